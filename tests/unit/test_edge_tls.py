"""The ACME directory the edge gets certificates from: Let's Encrypt, ZeroSSL or any URL.

Each configuration is checked by the real Caddy binary (``caddy validate``,
which provisions every module without contacting the CA).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from autostack_core.cli import main
from autostack_core.config import LETS_ENCRYPT, ZEROSSL, Settings
from autostack_plugins.providers.local.edge import EdgeState, caddy_binary, caddy_config

pytestmark = pytest.mark.dbless


def acme_issuer_of(settings: Settings) -> dict[str, object]:
    """The ACME issuer of the catch-all policy, after Caddy accepted the whole configuration."""
    config = caddy_config(EdgeState(), settings)
    path = settings.data_dir / "caddy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    binary = caddy_binary()
    assert binary is not None
    checked = subprocess.run([binary, "validate", "--config", str(path)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr[-2000:]
    policies = config["apps"]["tls"]["automation"]["policies"]
    issuers = [issuer for policy in policies for issuer in policy["issuers"]
               if issuer["module"] == "acme"]
    assert len(issuers) == 1
    issuer: dict[str, object] = issuers[0]
    return issuer


def test_lets_encrypt_by_default(settings: Settings) -> None:
    issuer = acme_issuer_of(replace(settings, base_domain="example.com"))
    assert issuer["ca"] == LETS_ENCRYPT and "email" not in issuer


def test_zerossl_with_the_account_email(settings: Settings) -> None:
    issuer = acme_issuer_of(replace(settings, base_domain="example.com", acme_ca="ZeroSSL",
                                    acme_email="ops@example.com"))
    assert issuer["ca"] == ZEROSSL and issuer["email"] == "ops@example.com"


def test_any_directory_with_its_root(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "root.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "root.key"),
                    "-out", str(root), "-days", "1", "-subj", "/CN=a private ACME CA"],
                   check=True, capture_output=True)
    issuer = acme_issuer_of(replace(settings, acme_ca="https://ca.example.net/dir",
                                    acme_ca_root=str(root)))
    assert issuer["ca"] == "https://ca.example.net/dir"
    assert issuer["trusted_roots_pem_files"] == [str(root)]


def test_zerossl_without_an_email_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTOSTACK_ACME_CA", "zerossl")
    monkeypatch.delenv("AUTOSTACK_ACME_EMAIL", raising=False)
    result = CliRunner().invoke(main, ["migrate", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert "AUTOSTACK_ACME_EMAIL is required with AUTOSTACK_ACME_CA=zerossl" in result.output
    assert not (tmp_path / "data").exists()
