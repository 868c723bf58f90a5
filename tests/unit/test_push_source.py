"""A pushed commit's files as links to the store: only new blobs are read (the warm push).

Real git repositories and a real store in a temporary folder.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from autostack_core.build import push_source
from autostack_core.build.loose_objects import describe_loose, read_loose
from autostack_core.build.push_source import checkout_pushed
from autostack_core.build.sources import SourceError, describe_local
from autostack_core.infrastructure.store import Store
from tests.git_commands import commit_and_push, git, work_and_bare

pytestmark = pytest.mark.dbless


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    return work_and_bare(tmp_path)


def blobs_known(blob_map: Path) -> int:
    return sum(1 for path in blob_map.glob("??/*"))


async def test_a_warm_push_links_every_file_and_reads_only_the_new_blob(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    store, blob_map = Store(tmp_path / "store"), tmp_path / "git-blobs"
    first = commit_and_push(work, bare, {"index.html": "<h1>v1</h1>", "css/site.css": "body{}",
                                "copy.css": "body{}", "run.sh": "echo hi"}, "first")
    (work / "run.sh").chmod(0o755)
    second = commit_and_push(work, bare, {"index.html": "<h1>v2</h1>"}, "second: a page and a mode")
    pushed = await checkout_pushed(bare, first, store, blob_map, tmp_path / "a", tmp_path / "i")
    assert (pushed.checkout.commit_sha, pushed.checkout.commit_message) == (first, "first")
    assert pushed.checkout.tree_sha == git("rev-parse", f"{first}^{{tree}}", cwd=bare)
    assert pushed.manifest_hash is not None and blobs_known(blob_map) == 3  # copy.css: same blob

    dest = tmp_path / "b"
    pushed = await checkout_pushed(bare, "main", store, blob_map, dest, tmp_path / "i")
    assert pushed.checkout.commit_sha == second
    assert blobs_known(blob_map) == 4  # only the new index.html was read
    assert (dest / "index.html").read_text() == "<h1>v2</h1>"
    assert (dest / "css" / "site.css").read_text() == "body{}"
    assert os.stat(dest / "run.sh").st_mode & 0o111
    manifest = store.load_manifest(pushed.manifest_hash or "")
    assert manifest["files"]["run.sh"]["mode"] == 0o755
    assert sorted(pushed.objects) == sorted(entry["sha256"]
                                            for entry in manifest["files"].values())
    # Every file is the store's object itself (a hard link), not a copy.
    css = manifest["files"]["css/site.css"]["sha256"]
    assert os.stat(dest / "css" / "site.css").st_ino == store.object_path(css).stat().st_ino
    assert not (dest / ".git").exists()


async def test_an_object_the_store_lost_is_read_from_git_again(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    store, blob_map = Store(tmp_path / "store"), tmp_path / "git-blobs"
    sha = commit_and_push(work, bare, {"index.html": "<h1>v1</h1>"}, "first")
    pushed = await checkout_pushed(bare, sha, store, blob_map, tmp_path / "a", tmp_path / "i")
    for path in store.objects.glob("??/*"):  # as a store gc would
        path.unlink()
    pushed = await checkout_pushed(bare, sha, store, blob_map, tmp_path / "b", tmp_path / "i")
    assert pushed.manifest_hash is not None
    assert (tmp_path / "b" / "index.html").read_text() == "<h1>v1</h1>"


async def test_a_tree_with_a_link_or_a_path_the_store_refuses_is_checked_out_by_git(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    store, blob_map = Store(tmp_path / "store"), tmp_path / "git-blobs"
    (work / "docs").mkdir()
    (work / "docs" / "latest.html").symlink_to("../index.html")
    linked = commit_and_push(work, bare, {"index.html": "<h1>v1</h1>"}, "a link")
    pushed = await checkout_pushed(bare, linked, store, blob_map, tmp_path / "a", tmp_path / "i")
    assert pushed.manifest_hash is None and not pushed.objects
    assert os.readlink(tmp_path / "a" / "docs" / "latest.html") == "../index.html"

    (work / "docs" / "latest.html").unlink()
    odd = commit_and_push(work, bare, {"back\\slash.html": "odd"}, "a backslash")
    pushed = await checkout_pushed(bare, odd, store, blob_map, tmp_path / "b", tmp_path / "i")
    assert pushed.manifest_hash is None
    assert (tmp_path / "b" / "back\\slash.html").read_text() == "odd"


async def test_an_unknown_or_option_like_ref_is_a_source_error(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    commit_and_push(work, bare, {"index.html": "<h1>v1</h1>"}, "first")
    for ref in ("nope", "--upload-pack=evil", "a b"):
        with pytest.raises(SourceError):
            await checkout_pushed(bare, ref, Store(tmp_path / "store"), tmp_path / "git-blobs",
                                  tmp_path / "src", tmp_path / "index")


async def test_new_blobs_are_read_loose_or_packed_and_a_loose_file_must_match_its_id(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    work, bare = repos
    store, blob_map = Store(tmp_path / "store"), tmp_path / "git-blobs"
    commit_and_push(work, bare, {"old.txt": "packed"}, "first")
    git("repack", "-a", "-d", cwd=bare)  # old.txt now only in a pack
    sha = commit_and_push(work, bare, {"new.txt": "loose"}, "second")  # a small push: loose objects
    packed, loose = (git("rev-parse", f"{sha}:{name}", cwd=bare) for name in ("old.txt", "new.txt"))
    assert read_loose(str(bare), packed) is None
    assert read_loose(str(bare), loose) == b"loose"
    pushed = await checkout_pushed(bare, sha, store, blob_map, tmp_path / "a", tmp_path / "i")
    assert pushed.manifest_hash is not None
    assert (tmp_path / "a" / "old.txt").read_text() == "packed"
    assert (tmp_path / "a" / "new.txt").read_text() == "loose"
    # A loose file holding other content than its id says is not taken.
    path = bare / "objects" / loose[:2] / loose[2:]
    path.chmod(0o644)
    path.write_bytes(zlib.compress(b"blob 5\0other"))
    assert read_loose(str(bare), loose) is None


@pytest.mark.parametrize("packed", [False, True])
async def test_new_content_over_the_limit_is_checked_out_by_git_unread(
    repos: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    work, bare = repos
    sha = commit_and_push(work, bare, {"small.txt": "12345", "big.txt": "x" * 20}, "25 bytes")
    if packed:
        git("repack", "-a", "-d", cwd=bare)
    monkeypatch.setattr(push_source, "MAX_NEW_BYTES", 24)
    store, blob_map = Store(tmp_path / "store"), tmp_path / "git-blobs"
    pushed = await checkout_pushed(bare, sha, store, blob_map, tmp_path / "a", tmp_path / "i")
    assert pushed.manifest_hash is None  # git wrote the files
    assert (tmp_path / "a" / "big.txt").read_text() == "x" * 20
    assert blobs_known(blob_map) == 1  # read up to the limit, the blob past it not
    monkeypatch.setattr(push_source, "MAX_NEW_BYTES", 25)
    pushed = await checkout_pushed(bare, sha, store, blob_map, tmp_path / "b", tmp_path / "i")
    assert pushed.manifest_hash is not None
    assert store.load_manifest(pushed.manifest_hash)["files"]["big.txt"]["size"] == 20
    assert (tmp_path / "b" / "big.txt").read_text() == "x" * 20


@pytest.mark.parametrize("message", [
    "one line", "\n\n  \nafter blank lines  \nand a second line\t\n\nthe body\n",
    "trailing spaces   \r\n\r\nbody", "ünïcode subject\n", "no newline at all"])
async def test_a_loose_commit_is_described_as_git_describes_it(
    repos: tuple[Path, Path], tmp_path: Path, message: str
) -> None:
    work, bare = repos
    (work / "index.html").write_text("<h1>v1</h1>")
    (tmp_path / "message").write_text(message)
    git("add", ".", cwd=work)
    git("commit", "--cleanup=verbatim", "--allow-empty-message", "-F",
        str(tmp_path / "message"), cwd=work)
    git("push", "--quiet", str(bare), "main", cwd=work)
    sha = git("rev-parse", "HEAD", cwd=work)
    assert describe_loose(str(bare), sha) == await describe_local(str(bare), sha)
    git("repack", "-a", "-d", cwd=bare)
    assert describe_loose(str(bare), sha) is None  # packed: git describes it
