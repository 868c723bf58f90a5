"""A Rust server deployed today: detected as Rust, and the build says why it cannot run it.

The static HTML beside it must not be served instead (the "fake success" a
fallback detector would give), and production stays untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_a_rust_server_fails_its_build_naming_rust_instead_of_shipping_its_html(
    server: Server, tmp_path: Path
) -> None:
    app = tmp_path / "ferris"
    (app / "public").mkdir(parents=True)
    (app / "src").mkdir()
    (app / "Cargo.toml").write_text('[package]\nname = "ferris"\nversion = "0.1.0"\n'
                                    'edition = "2021"\n')
    (app / "src" / "main.rs").write_text(
        'use std::net::TcpListener;\n\nfn main() {\n'
        '    let _listener = TcpListener::bind("127.0.0.1:8080").unwrap();\n}\n'
    )
    (app / "public" / "index.html").write_text("<h1>served by Rust</h1>\n")

    detected = json.loads(server.cli("detect", str(app), "--json").stdout)
    assert (detected["framework"], detected["runtime"]) == ("rust", "rust")
    assert any("no Rust builder yet" in reason for reason in detected["reasons"])

    result = server.cli("deploy", str(app), "--prod", "--project", "ferris", "--json",
                        check=False)
    assert result.returncode == 1
    failed = json.loads(result.stdout)
    assert failed["state"] == "error" and failed["aliases"] == []
    assert "no builder can build Rust" in failed["error"]
    assert server.edge_get("ferris.localhost").status_code != 200
