"""No secret in the server's logs: a real ``autostack up`` (uvicorn's access log on its
stdout, the edge's JSON access log) after requests whose URLs are credentials."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, git

pytestmark = pytest.mark.e2e


def repository(root: Path) -> Path:
    root.mkdir()
    (root / "index.html").write_text("<h1>hooked</h1>\n")
    git("init", "-q", "-b", "main", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-qm", "first", cwd=root)
    return root


def test_deploy_hook_urls_and_oauth_codes_stay_out_of_the_access_log(
    server: Server, tmp_path: Path
) -> None:
    repo = repository(tmp_path / "repo")
    with server.api() as api:
        api.post("/api/v1/projects", json={"name": "hooked", "git_url": f"file://{repo}"}
                 ).raise_for_status()
        created = api.post("/api/v1/projects/hooked/deploy-hooks",
                           json={"name": "ci", "branch": "main"})
        assert created.status_code == 201, created.text
        hook_url = created.json()["deploy_hook"]["url"]
    token = hook_url.rsplit("/", 1)[1]
    assert httpx.post(hook_url, timeout=30).status_code in (200, 201, 202)
    guessed = httpx.post(f"{server.url}/api/v1/deploy-hooks/guessed-{token[:8]}", timeout=30)
    assert guessed.status_code == 404
    httpx.get(f"{server.url}/auth/github/callback?code=one-time-oauth-code&state=s", timeout=30)

    log = server.log_path.read_text()
    assert '"POST /api/v1/deploy-hooks/[redacted] HTTP/1.1" 20' in log
    assert '"POST /api/v1/deploy-hooks/[redacted] HTTP/1.1" 404' in log
    assert "code=[redacted]&state=s" in log
    assert token not in log and token[:8] not in log
    assert "one-time-oauth-code" not in log


def test_the_edge_access_log_masks_secret_query_values(
    server: Server, site: Path
) -> None:
    result = server.cli("deploy", str(site), "--json", "--prod", "--project", "docs")
    assert json.loads(result.stdout)["state"] == "ready"
    page = server.edge_get("docs.localhost", "/?x-vercel-protection-bypass=bypass-secret"
                                             "&token=edge-token&page=2")
    assert page.status_code == 200
    access_log = server.data_dir / "logs" / "edge-access.log"
    lines = [json.loads(line) for line in access_log.read_text().splitlines()]
    [entry] = [line for line in lines if "page=2" in line["request"]["uri"]]
    assert "bypass-secret" not in access_log.read_text()
    assert "edge-token" not in access_log.read_text()
    assert "token=%5Bredacted%5D" in entry["request"]["uri"] or \
        "token=[redacted]" in entry["request"]["uri"]

