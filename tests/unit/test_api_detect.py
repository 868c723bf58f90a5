"""POST /api/v1/detect: the detection report of a repository before its first deploy."""

from __future__ import annotations

import json
import socket
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build import sources
from autostack_core.build.detection_report import REPORT_KEYS
from autostack_core.config import Settings
from tests.fixtures_auth import api, client_for, owner
from tests.http_standin import standin

__all__ = ["api", "owner"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Local repositories are allowed, as on a developer's machine."""
    return replace(settings, allow_local_git=True)


def commit(root: Path, files: dict[str, str]) -> Path:
    """A git repository at ``root`` holding ``files``, committed on ``main``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    env = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "HOME": str(root), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "first"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A pnpm workspace with a Vite app in apps/web."""
    return commit(tmp_path / "repo", {
        "package.json": json.dumps({"name": "mono", "private": True}),
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
        "pnpm-lock.yaml": "",
        "apps/web/package.json": json.dumps({
            "name": "web", "scripts": {"build": "vite build"},
            "devDependencies": {"vite": "^5.0.0"}}),
    })


async def test_a_repository_is_detected_before_any_project(
    api: httpx.AsyncClient, monorepo: Path
) -> None:
    response = await api.post("/api/v1/detect", json={"git_url": str(monorepo)})
    assert response.status_code == 200, response.text
    report = response.json()
    assert tuple(report) == REPORT_KEYS
    assert report["apps"] == [{"name": "web", "directory": "apps/web",
                               "workspace": "pnpm", "deployable": True,
                               "framework": "vite"}]
    inside = await api.post("/api/v1/detect", json={
        "git_url": str(monorepo), "ref": "main", "root_directory": "apps/web"})
    report = inside.json()
    assert report["framework"] == "vite" and report["root_directory"] == "apps/web"
    assert report["output_directory"] == "dist" and report["confidence"] > 0
    assert any("root directory `apps/web`" in reason for reason in report["reasons"])


async def test_nothing_detected_is_a_complete_report(api: httpx.AsyncClient,
                                                     tmp_path: Path) -> None:
    empty = commit(tmp_path / "empty", {"notes.txt": "hello"})
    report = (await api.post("/api/v1/detect", json={"git_url": str(empty)})).json()
    assert report["framework"] is None and report["build_command"] is None
    assert report["confidence"] == 0.0 and report["apps"] == [] and report["reasons"]


@pytest.mark.parametrize(("body", "field"), [
    ({"git_url": "--upload-pack=evil"}, "git_url"),
    ({}, "git_url"),
    ({"git_url": "https://example.invalid/x.git", "ref": "-x"}, "ref"),
    ({"git_url": "https://example.invalid/x.git", "root_directory": "../up"}, "root_directory"),
])
async def test_bad_fields_are_422_naming_the_field(
    api: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    response = await api.post("/api/v1/detect", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_a_missing_root_directory_is_422(api: httpx.AsyncClient, monorepo: Path) -> None:
    response = await api.post("/api/v1/detect", json={"git_url": str(monorepo),
                                                       "root_directory": "apps/none"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "root_directory"


async def test_local_paths_are_refused_unless_allowed(autostack: AutoStack, monorepo: Path,
                                                      api: httpx.AsyncClient) -> None:
    autostack.settings = replace(autostack.settings, allow_local_git=False)
    refused = await api.post("/api/v1/detect", json={"git_url": str(monorepo)})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "git_url"


async def test_signed_out_is_401(autostack: AutoStack) -> None:
    async with client_for(autostack) as http:
        response = await http.post("/api/v1/detect", json={"git_url": "https://x.invalid/a"})
    assert response.status_code == 401


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every ``git fetch`` started (its ``-c`` settings, then its arguments), each
    stopped before it connects anywhere.

    A guard, not a stand-in: the addresses below are off the loopback, so a
    regression must fail the test without sending a packet there.
    """
    started: list[list[str]] = []
    run_git = sources.git

    async def guarded(*args: str, **kwargs: Any) -> str:
        if "fetch" in args:
            started.append([*kwargs.get("config", ()), *args])
            raise sources.SourceError("the test stopped a fetch")
        return await run_git(*args, **kwargs)

    monkeypatch.setattr(sources, "git", guarded)
    return started


@pytest.mark.parametrize(("git_url", "reason"), [
    ("http://169.254.169.254/latest/meta-data.git", "Cloud metadata"),
    ("http://[fd00:ec2::254]/latest.git", "Cloud metadata (AWS IMDS over IPv6)"),
    ("http://[fd12:3456::1]/x.git", "Unique-Local"),
    ("http://10.0.0.1/x.git", "Private-Use"),
    ("https://192.168.1.1:8443/x.git", "Private-Use"),
    ("http://100.64.0.1/x.git", "Shared Address Space"),
    ("http://[::ffff:127.0.0.1]:6379/x.git", "Loopback"),
    ("http://0.0.0.0:6379/x.git", "This host on this network"),
    ("http://224.0.0.1/x.git", "Multicast"),
    ("http://240.0.0.1/x.git", "Reserved"),
    ("git@172.16.0.5:team/app.git", "Private-Use"),
    ("ssh://git@[fe80::1]:22/app.git", "Link-Local"),
    ("git://192.168.0.10/app.git", "Private-Use"),
])
async def test_non_public_git_urls_are_refused_before_git_runs(
    autostack: AutoStack, api: httpx.AsyncClient, fetches: list[list[str]],
    git_url: str, reason: str,
) -> None:
    autostack.settings = replace(autostack.settings, outbound_allow=())
    response = await api.post("/api/v1/detect", json={"git_url": git_url})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "git_url"
    assert error["message"].startswith("git_url: ") and reason in error["message"]
    assert "AUTOSTACK_OUTBOUND_ALLOW" in error["message"]
    assert fetches == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_detect_is_no_port_scanner(
    autostack: AutoStack, api: httpx.AsyncClient, host: str
) -> None:
    """A port the server listens on (Redis, PostgreSQL, the API) is never connected to."""
    autostack.settings = replace(autostack.settings, outbound_allow=())
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        response = await api.post("/api/v1/detect",
                                  json={"git_url": f"http://{host}:{port}/x.git"})
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "127.0.0.1" in message and "Loopback" in message
    assert ("localhost resolves to 127.0.0.1" in message) == (host == "localhost")


async def test_a_redirect_from_an_allowed_host_to_a_refused_one_is_not_followed(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    """Only 127.0.0.2 is allowed; it redirects the clone to 127.0.0.1, which is not."""
    autostack.settings = replace(autostack.settings, outbound_allow=("127.0.0.2/32",))
    with standin(lambda request: (200, {})) as inside:
        moved = {"location": f"{inside.url}/x.git/info/refs?service=git-upload-pack"}
        with standin(lambda request: (302, moved), host="127.0.0.2") as allowed:
            response = await api.post("/api/v1/detect", json={"git_url": f"{allowed.url}/x.git"})
    assert [request.path for request in allowed.requests] == [
        "/x.git/info/refs?service=git-upload-pack"]
    assert inside.requests == []
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "git_url"
    assert "302" in response.json()["error"]["message"]


async def test_the_operator_allows_a_private_git_server(
    autostack: AutoStack, api: httpx.AsyncClient, fetches: list[list[str]]
) -> None:
    autostack.settings = replace(autostack.settings, outbound_allow=("10.0.0.0/8",))
    response = await api.post("/api/v1/detect", json={"git_url": "http://10.1.2.3/x.git"})
    assert "the test stopped a fetch" in response.text
    [fetch] = fetches
    assert fetch[0] == "http.followRedirects=false" and "http://10.1.2.3/x.git" in fetch
