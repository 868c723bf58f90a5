"""``git push`` to the built-in remote prints its deployments as ``remote:`` lines."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, git

pytestmark = pytest.mark.e2e


def push(repo: Path, remote: str, branch: str) -> str:
    """``git push`` as a user runs it; what git printed on stderr."""
    env = {"PATH": os.environ["PATH"], "HOME": str(repo)}
    result = subprocess.run(
        ["git", "push", remote, branch],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stderr


def test_push_prints_the_deployment_its_urls_and_its_build(
    server: Server, tmp_path: Path, site: Path
) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "told"}).status_code == 201
    repo = tmp_path / "push"
    subprocess.run(["cp", "-r", str(site), str(repo)], check=True)
    git("init", "--initial-branch", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "first", cwd=repo)
    remote = f"http://dev%40example.com:{server.token}@localhost:{server.port}/git/told.git"

    stderr = push(repo, remote, "main")
    with server.api() as api:
        deployment = api.get("/api/v1/projects/told/deployments").json()["deployments"][0]
    remote_lines = [line for line in stderr.splitlines() if line.startswith("remote:")]
    printed = "\n".join(remote_lines)
    assert f"Deployment: {deployment['id']}" in printed
    assert f"URL:        {deployment['url']}" in printed
    assert "Production: http://told.localhost" in printed
    assert f"Live log:   http://localhost:{server.port}/deployments/{deployment['id']}" in printed
    # The push follows the build to its end: the deployment is ready when git returns.
    assert f"{deployment['id']} is ready: {deployment['url']}" in printed
    assert deployment["state"] == "ready"

    git("checkout", "-b", "feature", cwd=repo)
    (repo / "index.html").write_text("<h1>feature</h1>")
    git("commit", "-am", "feature", cwd=repo)
    stderr = push(repo, remote, "feature")
    assert "remote:   Preview:    http://told-git-feature" in stderr, stderr
    assert " is ready: " in stderr
