"""The base domain's wildcard certificate: renewal dates, state, the edge's policy, real DNS-01.

Issuance runs against Debian's pebble, which validates DNS-01 for real by
asking pebble-challtestsrv, where the test DNS host
(tests/plugins/challtestsrv_dns, registered here as a plugin module) writes
the TXT records. Pebble reuses no authorization (``PEBBLE_AUTHZREUSE=0``), so
every order needs the DNS host.
"""

from __future__ import annotations

import importlib.util
import json
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import SslStatus
from autostack_core.plugins import get_plugin_manager
from autostack_plugins.providers.local import wildcard_certificate
from autostack_plugins.providers.local.acme import AcmeError, Challenge
from autostack_plugins.providers.local.certificates import certificate_names
from autostack_plugins.providers.local.edge import EdgeState, caddy_config
from autostack_plugins.providers.local.edge_tls import wildcard_file
from autostack_plugins.providers.local.wildcard_certificate import (
    Attempt,
    attempt_path,
    challenge_record,
    needs_renewal,
    renew_after,
    state,
)
from tests.acme_standin import ChallTestSrv, Pebble, dns_server, needs_pebble
from tests.conftest import free_port

__all__ = ["dns_server"]

BASE = "apps.example.test"
NAMES = [f"*.{BASE}", BASE]
PLUGIN = Path(__file__).parents[1] / "plugins" / "challtestsrv_dns" / \
    "autostack_challtestsrv_dns.py"


def load_plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("autostack_challtestsrv_dns", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_certificate(names: list[str], not_before: datetime, days: int) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_before + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                           critical=False)
            .sign(key, hashes.SHA256()))


def wildcard_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, base_domain=BASE, dns_host="challtestsrv", **changes)


# ---------------------------------------------------------------------------
# Pure parts
# ---------------------------------------------------------------------------


def test_renewal_is_due_with_a_third_of_the_lifetime_left() -> None:
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    certificate = make_certificate(NAMES, issued, 90)
    assert renew_after(certificate) == issued + timedelta(days=60)
    assert not needs_renewal(certificate, NAMES, issued + timedelta(days=59))
    assert needs_renewal(certificate, NAMES, issued + timedelta(days=60, seconds=1))
    assert needs_renewal(certificate, ["*.other.test", "other.test"], issued)
    assert needs_renewal(None, NAMES, issued)


def test_both_names_share_one_txt_record_set() -> None:
    challenges = [Challenge(BASE, "one", "u1", "a1"), Challenge(BASE, "two", "u2", "a2")]
    record = challenge_record(challenges)
    assert record is not None
    assert (record.name, record.type, record.values) == (f"_acme-challenge.{BASE}", "TXT",
                                                         ("one", "two"))
    assert challenge_record([]) is None


def test_state_is_none_pending_failed_or_issued(settings: Settings) -> None:
    assert state(settings).status == SslStatus.NONE
    assert state(replace(settings, dns_host="challtestsrv")).status == SslStatus.NONE
    settings = wildcard_settings(settings)
    assert state(settings).status == SslStatus.PENDING
    now = datetime.now(UTC)
    Attempt(now, "creating the ACME account: boom").save(attempt_path(settings))
    failed = state(settings)
    assert (failed.status, failed.error) == (SslStatus.FAILED, "creating the ACME account: boom")
    certificate = make_certificate(NAMES, now - timedelta(days=1), 90)
    path = wildcard_file(settings)
    path.parent.mkdir(parents=True)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    serving = state(settings)
    assert serving.status == SslStatus.ISSUED and serving.error is not None
    assert serving.expires_at == certificate.not_valid_after_utc
    assert serving.as_dict()["renew_after"] == renew_after(certificate).isoformat()


def test_the_edge_serves_the_wildcard_to_itself_on_its_own_port(settings: Settings) -> None:
    """No second listener: a port picked before Caddy binds it could be taken by another
    program, which would get the key and answer the handshakes' certificate."""
    settings = wildcard_settings(settings)
    endpoint = wildcard_certificate.caddy_endpoint(settings)
    assert endpoint is not None and endpoint.port == settings.edge_port
    config = caddy_config(EdgeState(), settings, endpoint)
    policies = config["apps"]["tls"]["automation"]["policies"]
    assert [policy.get("subjects") for policy in policies] == [
        ["localhost", "*.localhost"], NAMES, None]
    assert policies[1]["get_certificate"] == [{"via": "http", "url": (
        f"http://127.0.0.1:{settings.edge_port}/.well-known/autostack-wildcard-certificate"
        f"?key={endpoint.key}")}]
    servers = config["apps"]["http"]["servers"]
    assert [server["listen"] for server in servers.values()] == [
        [f":{settings.edge_port}", f":{settings.edge_https_port}"]]
    [server] = servers.values()
    first = server["routes"][0]["match"][0]
    assert first["query"] == {"key": [endpoint.key]} and first["host"] == ["127.0.0.1"]
    assert first["remote_ip"] == {"ranges": ["127.0.0.1/32", "::1/128"]}
    plain = caddy_config(EdgeState(), settings)
    assert len(plain["apps"]["tls"]["automation"]["policies"]) == 2
    assert endpoint.key not in json.dumps(plain)


def test_no_endpoint_without_a_provider_or_on_localhost(settings: Settings) -> None:
    assert wildcard_certificate.caddy_endpoint(settings) is None
    localhost = replace(settings, dns_host="challtestsrv", base_domain="apps.localhost")
    assert wildcard_certificate.caddy_endpoint(localhost) is None
    endpoint = wildcard_certificate.caddy_endpoint(wildcard_settings(settings))
    assert endpoint is not None and len(endpoint.key) >= 40


def test_provider_config_is_a_json_object_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_DNS_HOST", "route53")
    monkeypatch.setenv("AUTOSTACK_DNS_HOST_CONFIG", '{"secret_access_key": "hunter2"}')
    monkeypatch.setenv("AUTOSTACK_ADMINS", "Ops@Example.com, b@example.com")
    settings = Settings.from_env()
    assert settings.dns_host_config == {"secret_access_key": "hunter2"}
    assert settings.admins == ("ops@example.com", "b@example.com")
    assert "hunter2" not in repr(settings)
    monkeypatch.setenv("AUTOSTACK_DNS_HOST_CONFIG", '{"secret": 42} hunter2')
    with pytest.raises(ValueError, match="JSON object of strings") as raised:
        Settings.from_env()
    assert "hunter2" not in str(raised.value)


# ---------------------------------------------------------------------------
# Real DNS-01 against pebble
# ---------------------------------------------------------------------------


@pytest.fixture
def pebble(tmp_path: Path, dns_server: ChallTestSrv,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Pebble]:
    monkeypatch.setenv("PEBBLE_AUTHZREUSE", "0")
    server = Pebble(tmp_path, http_port=free_port(), tls_port=free_port(), dns=dns_server)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def issuing(settings: Settings, dns_server: ChallTestSrv, pebble: Pebble, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AutoStack]:
    """An AutoStack with the challtestsrv provider, pebble as its CA, notify events to a file."""
    monkeypatch.setenv("AUTOSTACK_TEST_EVENTS", str(tmp_path / "events.jsonl"))
    settings = wildcard_settings(
        settings, acme_ca=pebble.directory, acme_ca_root=str(pebble.listener_ca),
        dns_resolvers=(dns_server.resolver,),
        dns_host_config={"management_url": f"http://127.0.0.1:{dns_server.management}",
                             "zone": "example.test", "fail_flag": str(tmp_path / "fail")})
    plugins = get_plugin_manager(load_entry_points=False)
    plugins.manager.register(load_plugin(), name="challtestsrv-dns")
    app = AutoStack(settings, plugins=plugins)
    await app.startup()
    try:
        yield app
    finally:
        await app.shutdown()


def events(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@needs_pebble
async def test_obtained_through_real_dns01_then_renewed_only_when_due(
    issuing: AutoStack, pebble: Pebble, dns_server: ChallTestSrv, tmp_path: Path,
) -> None:
    settings = issuing.settings
    result = await wildcard_certificate.renew(issuing)
    assert result["status"] == "issued", result
    chain = x509.load_pem_x509_certificates(wildcard_file(settings).read_bytes())
    assert sorted(certificate_names(chain[0])) == sorted(NAMES)
    root = x509.load_pem_x509_certificate(pebble.root().encode())
    chain[-1].verify_directly_issued_by(root)
    for path in (wildcard_file(settings), settings.path("acme", "account-key.pem")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in wildcard_file(settings).read_text()
    resolver_answer = await wildcard_certificate.dns_lookup.lookup(
        wildcard_certificate.dns_lookup.make_resolver(settings), f"_acme-challenge.{BASE}", "TXT")
    assert resolver_answer == []

    attempted = Attempt.load(attempt_path(settings)).at
    assert (await wildcard_certificate.renew(issuing))["serial"] == result["serial"]
    assert Attempt.load(attempt_path(settings)).at == attempted

    renewed = await wildcard_certificate.renew(issuing, force=True)
    assert renewed["status"] == "issued" and renewed["serial"] != result["serial"]
    assert events(tmp_path) == []


@needs_pebble
async def test_a_failing_renewal_keeps_the_certificate_and_is_announced_once(
    issuing: AutoStack, tmp_path: Path,
) -> None:
    first = await wildcard_certificate.renew(issuing)
    served = wildcard_file(issuing.settings).read_bytes()
    (tmp_path / "fail").touch()
    failed = await wildcard_certificate.renew(issuing, force=True)
    assert failed["status"] == "issued" and failed["serial"] == first["serial"]
    assert failed["error"] == f"PermissionError: challtestsrv: changing _acme-challenge.{BASE} " \
                              "is not allowed"
    assert wildcard_file(issuing.settings).read_bytes() == served
    await wildcard_certificate.renew(issuing, force=True)
    announced = events(tmp_path)
    assert [event["kind"] for event in announced] == ["edge.certificate_failed"]
    assert announced[0]["data"]["still_serving"] is True
    assert announced[0]["data"]["error"] == failed["error"]
    # Not forced and within the retry delay: nothing is tried.
    at = Attempt.load(attempt_path(issuing.settings)).at
    Path(tmp_path / "fail").unlink()
    wildcard_file(issuing.settings).unlink()
    assert (await wildcard_certificate.renew(issuing))["status"] == "failed"
    assert Attempt.load(attempt_path(issuing.settings)).at == at


@needs_pebble
async def test_an_expired_certificate_is_removed_when_its_renewal_fails(
    issuing: AutoStack, tmp_path: Path,
) -> None:
    expired = make_certificate(NAMES, datetime.now(UTC) - timedelta(days=91), 90)
    path = wildcard_file(issuing.settings)
    path.parent.mkdir(parents=True)
    path.write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "fail").touch()
    result = await wildcard_certificate.renew(issuing)
    assert result["status"] == "failed" and not path.exists()
    assert [event["data"]["still_serving"] for event in events(tmp_path)] == [False]


@needs_pebble
async def test_the_ca_refusing_a_wrong_txt_value_is_the_error(
    issuing: AutoStack, tmp_path: Path,
) -> None:
    plugin = load_plugin()

    class WrongValue(plugin.ChallTestSrvZone):  # type: ignore[name-defined,misc]
        async def upsert(self, record: Any) -> None:
            await super().upsert(replace(record, values=("not-the-digest",)))

    settings = replace(issuing.settings, dns_resolvers=())
    with pytest.raises(AcmeError) as raised:
        await wildcard_certificate.obtain(settings, WrongValue(settings.dns_host_config))
    assert raised.value.problem_type == "unauthorized"
    assert str(raised.value).startswith(f"validating _acme-challenge.{BASE}: ")


@needs_pebble
async def test_a_base_domain_outside_the_zone_is_refused_before_ordering(
    issuing: AutoStack,
) -> None:
    settings = replace(issuing.settings,
                       dns_host_config={**issuing.settings.dns_host_config,
                                            "zone": "example.org"})
    issuing.settings = settings
    result = await wildcard_certificate.renew(issuing)
    assert result["status"] == "failed"
    assert result["error"] == f"ValueError: {BASE} is not in the DNS host's zone example.org"


def test_doctor_shows_the_state_and_fails_on_a_failing_renewal(settings: Settings) -> None:
    assert wildcard_certificate.doctor_check(settings).ok
    settings = wildcard_settings(settings)
    assert "not issued yet" in wildcard_certificate.doctor_check(settings).detail
    now = datetime.now(UTC)
    Attempt(now, "validating _acme-challenge.x: nope").save(attempt_path(settings))
    failing = wildcard_certificate.doctor_check(settings)
    assert not failing.ok
    assert failing.detail.endswith("not issued: validating _acme-challenge.x: nope")
    path = wildcard_file(settings)
    path.parent.mkdir(parents=True)
    certificate = make_certificate(NAMES, now - timedelta(days=1), 90)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    renewal = wildcard_certificate.doctor_check(settings)
    assert not renewal.ok and "the last renewal failed: validating" in renewal.detail
    Attempt(now, None).save(attempt_path(settings))
    issued = wildcard_certificate.doctor_check(settings)
    assert issued.ok and issued.detail.startswith(f"*.{BASE}, {BASE}: issued by CN=test")
