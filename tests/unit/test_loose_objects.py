"""Loose git objects read without git: a tree listed as ``git ls-tree -r -z`` lists it.

Real git repositories in a temporary folder; git's own listing is the reference.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autostack_core.build.loose_objects import MAX_DEPTH, keep_listings, tree_listing
from tests.git_commands import commit_and_push, git, work_and_bare

pytestmark = pytest.mark.dbless


def lines(listing: str | None) -> list[str]:
    assert listing is not None
    return sorted(line for line in listing.split("\0") if line)


def push(work: Path, bare: Path, files: dict[str, str], message: str) -> str:
    """Commit ``files`` and push them to ``bare``; the commit's tree id."""
    return git("rev-parse", commit_and_push(work, bare, files, message) + "^{tree}", cwd=work)


async def test_a_tree_is_listed_as_git_lists_it_from_loose_trees_and_the_cache(
    tmp_path: Path,
) -> None:
    (work, bare), cache = work_and_bare(tmp_path), tmp_path / "trees"
    (work / "docs").mkdir()
    os.symlink("../index.html", work / "docs" / "latest.html")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    tree = push(work, bare, {"index.html": "v1", "docs/a/b.txt": "b", "docs/ü n.txt": "u"},
                "first")
    expected = lines(git("ls-tree", "-r", "-z", tree, cwd=bare))
    assert any(line.startswith("120000 blob") for line in expected)  # the link is listed
    assert lines(tree_listing(str(bare), tree, cache)) == expected  # loose trees
    assert not cache.exists()  # parsed again next time, not kept

    git("repack", "-a", "-d", cwd=bare)  # every tree packed: git must list them once
    fresh = tmp_path / "fresh"
    assert tree_listing(str(bare), tree, fresh) is None
    listed = keep_listings(git("ls-tree", "-r", "-t", "-z", tree, cwd=bare), tree, fresh)
    assert lines(listed) == expected
    assert lines(tree_listing(str(bare), tree, fresh)) == expected  # now from the cache

    # A warm push: the new root tree is loose, the unchanged docs/ comes from the cache.
    changed = push(work, bare, {"index.html": "v2"}, "second")
    assert lines(tree_listing(str(bare), changed, fresh)) == \
        lines(git("ls-tree", "-r", "-z", changed, cwd=bare))


async def test_folders_nested_past_the_limit_are_left_to_git(tmp_path: Path) -> None:
    (work, bare), cache = work_and_bare(tmp_path), tmp_path / "trees"
    git("config", "receive.unpackLimit", "1000", cwd=bare)  # ~200 new trees each push: loose
    deepest = "d/" * MAX_DEPTH
    tree = push(work, bare, {f"{deepest}at-the-limit.txt": "ok"}, "at the limit")
    assert lines(tree_listing(str(bare), tree, cache)) == \
        lines(git("ls-tree", "-r", "-z", tree, cwd=bare))
    tree = push(work, bare, {f"{deepest}d/past-it.txt": "deep"}, "one folder deeper")
    assert tree_listing(str(bare), tree, tmp_path / "fresh") is None
