"""POST /api/v1/detect: the detection report of a repository before its first deploy."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.detection_report import REPORT_KEYS
from tests.fixtures_auth import api, client_for, owner

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
                               "workspace": "pnpm", "deployable": True}]
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
