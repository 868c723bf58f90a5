"""The built-in remote reads branch heads from the bare repository's ref files, as git does."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from autostack_core.git.gitserver import _branch_heads
from tests.git_commands import commit_and_push, git, work_and_bare

pytestmark = pytest.mark.dbless


def for_each_ref(repo: Path) -> dict[str, str]:
    lines = git("for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads",
                cwd=repo).splitlines()
    return dict(line.split(" ") for line in lines)


async def test_packed_loose_and_nested_branches_match_git_for_each_ref(tmp_path: Path) -> None:
    work, repo = work_and_bare(tmp_path)
    commit_and_push(work, repo, {"index.html": "v1"}, "v1")
    git("push", str(repo), "main:feature/nested", "main:old", cwd=work)
    git("pack-refs", "--all", cwd=repo)  # every head now lives in packed-refs only
    (work / "index.html").write_text("v2")
    git("commit", "-am", "v2", cwd=work)
    git("push", str(repo), "main", cwd=work)  # main is loose again and wins over packed
    git("push", str(repo), ":old", cwd=work)  # a deleted branch is gone from both
    heads = await _branch_heads(str(repo))
    assert heads == for_each_ref(repo)
    assert set(heads) == {"main", "feature/nested"}
    assert heads["main"] == git("rev-parse", "HEAD", cwd=work)


async def test_a_pushed_repository_is_collected_after_the_answer(tmp_path: Path) -> None:
    """receive-pack runs without its own ``gc --auto``; the server runs it afterwards."""
    from autostack_core.git.gitserver import _collect_garbage_later, _collecting

    work, repo = work_and_bare(tmp_path)
    git("config", "gc.auto", "1", cwd=repo)  # any loose object is too many
    git("config", "gc.autoDetach", "false", cwd=repo)  # done when git ends
    (work / "index.html").write_text("v1")
    git("add", ".", cwd=work)
    git("commit", "-m", "v1", cwd=work)
    git("-c", "receive.autogc=false", "push", str(repo), "main", cwd=work)
    # gc --auto estimates the loose objects from those in objects/17: put two there.
    contents = [text for text in map(str, range(100_000)) if hashlib.sha1(
        f"blob {len(text)}\0{text}".encode()).hexdigest().startswith("17")][:2]
    for number, content in enumerate(contents):
        (tmp_path / f"loose{number}").write_text(content)
        git("hash-object", "-w", str(tmp_path / f"loose{number}"), cwd=repo)
    assert list(repo.glob("objects/17/*")) and not list(repo.glob("objects/pack/*.pack"))
    _collect_garbage_later(repo, delay=0)
    _collect_garbage_later(repo, delay=0)  # one at a time per repository
    assert len(_collecting) == 1
    await _collecting[repo]
    assert list(repo.glob("objects/pack/*.pack")) and repo not in _collecting
