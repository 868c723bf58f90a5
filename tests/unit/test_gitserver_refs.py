"""The built-in remote reads branch heads from the bare repository's ref files, as git does."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from autostack_core.git.gitserver import _branch_heads

pytestmark = pytest.mark.dbless


def git(*args: str, cwd: Path) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GIT_AUTHOR_NAME": "Dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def for_each_ref(repo: Path) -> dict[str, str]:
    lines = git("for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads",
                cwd=repo).splitlines()
    return dict(line.split(" ") for line in lines)


async def test_packed_loose_and_nested_branches_match_git_for_each_ref(tmp_path: Path) -> None:
    work, repo = tmp_path / "work", tmp_path / "site.git"
    work.mkdir()
    git("init", "--initial-branch", "main", cwd=work)
    (work / "index.html").write_text("v1")
    git("add", ".", cwd=work)
    git("commit", "-m", "v1", cwd=work)
    git("init", "--bare", "--initial-branch", "main", str(repo), cwd=tmp_path)
    git("push", str(repo), "main", "main:feature/nested", "main:old", cwd=work)
    git("pack-refs", "--all", cwd=repo)  # every head now lives in packed-refs only
    (work / "index.html").write_text("v2")
    git("commit", "-am", "v2", cwd=work)
    git("push", str(repo), "main", cwd=work)  # main is loose again and wins over packed
    git("push", str(repo), ":old", cwd=work)  # a deleted branch is gone from both
    heads = await _branch_heads(str(repo))
    assert heads == for_each_ref(repo)
    assert set(heads) == {"main", "feature/nested"}
    assert heads["main"] == git("rev-parse", "HEAD", cwd=work)
