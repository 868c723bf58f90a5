"""A Go server deployed today: detected as Go, and the build says why it cannot run it.

The static HTML beside it must not be served instead (the "fake success" a
fallback detector would give), and production stays untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_a_go_server_fails_its_build_naming_go_instead_of_shipping_its_html(
    server: Server, tmp_path: Path
) -> None:
    app = tmp_path / "gin"
    (app / "public").mkdir(parents=True)
    (app / "go.mod").write_text("module example.com/hello\n\ngo 1.23\n")
    (app / "main.go").write_text(
        'package main\n\nimport "net/http"\n\nfunc main() {\n'
        '\thttp.Handle("/", http.FileServer(http.Dir("public")))\n'
        '\thttp.ListenAndServe(":8080", nil)\n}\n'
    )
    (app / "public" / "index.html").write_text("<h1>served by Go</h1>\n")

    detected = json.loads(server.cli("detect", str(app), "--json").stdout)
    assert (detected["framework"], detected["runtime"]) == ("go", "go")
    assert any("no Go builder yet" in reason for reason in detected["reasons"])

    result = server.cli("deploy", str(app), "--prod", "--project", "gopher", "--json",
                        check=False)
    assert result.returncode == 1
    failed = json.loads(result.stdout)
    assert failed["state"] == "error" and failed["aliases"] == []
    assert "no builder can build Go" in failed["error"]
    assert server.edge_get("gopher.localhost").status_code != 200
