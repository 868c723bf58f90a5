"""Checking a commit of the built-in remote out of its bare repository (the push path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autostack_core.build.sources import SourceError, checkout_local
from tests.git_commands import git

pytestmark = pytest.mark.dbless


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A bare repository with one commit: a page, a link inside and a link to the host."""
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "index.html").write_text("<h1>v1</h1>")
    (work / "docs" / "latest.html").symlink_to("../index.html")
    (work / "secret").symlink_to("/etc/passwd")
    git("init", "--initial-branch", "main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "-m", "first page", cwd=work)
    repo = tmp_path / "site.git"
    git("clone", "--bare", str(work), str(repo), cwd=tmp_path)
    return repo


@pytest.mark.parametrize("by_sha", [True, False])
async def test_a_commit_is_checked_out_with_its_links_as_links_and_no_git_folder(
    bare: Path, tmp_path: Path, by_sha: bool
) -> None:
    sha = git("rev-parse", "main", cwd=bare)
    dest = tmp_path / "build" / "src"
    result = await checkout_local(bare, sha if by_sha else "main", dest, tmp_path / "index")
    assert (result.commit_sha, result.commit_message) == (sha, "first page")
    assert result.tree_sha == git("rev-parse", "main^{tree}", cwd=bare)
    assert (dest / "index.html").read_text() == "<h1>v1</h1>"
    # Links are written as links (the host reads through user_files later), never followed.
    assert os.readlink(dest / "docs" / "latest.html") == "../index.html"
    assert os.readlink(dest / "secret") == "/etc/passwd"
    assert not (dest / ".git").exists() and not (tmp_path / "index").exists()
    assert not (bare / "index").exists()  # the bare repository gets no index of its own


async def test_an_unknown_or_option_like_ref_is_a_source_error(bare: Path, tmp_path: Path) -> None:
    for ref in ("nope", "--upload-pack=evil", "a b"):
        with pytest.raises(SourceError):
            await checkout_local(bare, ref, tmp_path / "src", tmp_path / "index")
