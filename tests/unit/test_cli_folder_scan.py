"""Which files a deploy sends and their sha256: ignore rules, symlinks, the digest cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import click
import pytest

from autostack_core.cli import folder_scan
from autostack_core.cli.folder_scan import HASH_CACHE, HashCache, collect


def digests(folder: Path) -> dict[str, str]:
    return {file.path: file.sha for file in collect(folder)}


@pytest.mark.dbless
def test_ignored_names_and_paths_are_left_out_and_symlinks_inside_are_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "assets" / "node_modules").mkdir(parents=True)
    (tmp_path / "assets" / "node_modules" / "lib.js").write_text("x")
    (tmp_path / "assets" / "app.js").write_text("app")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "post.md").write_text("draft")
    (tmp_path / "notes.swp").write_text("swap")
    (tmp_path / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "home.html").symlink_to("index.html")
    (tmp_path / "linked").symlink_to("assets")
    (tmp_path / ".autostackignore").write_text("# comment\ndrafts/post.md\n")
    found = digests(tmp_path)
    assert sorted(found) == [".autostackignore", "assets/app.js", "home.html", "index.html"]
    assert found["home.html"] == hashlib.sha256(b"<h1>hi</h1>").hexdigest()


@pytest.mark.dbless
def test_a_symlink_pointing_outside_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "secret").write_text("s")
    (tmp_path / "site" / "secret").symlink_to(tmp_path / "secret")
    with pytest.raises(click.ClickException, match="secret is a symlink pointing outside"):
        collect(tmp_path / "site")


@pytest.mark.dbless
def test_an_unchanged_file_is_not_hashed_again_and_a_changed_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(name)
    first = digests(tmp_path)
    assert (tmp_path / HASH_CACHE).is_file()
    # Every file older than the cache, as after a real pause (file times are coarse).
    cache_time = (tmp_path / HASH_CACHE).stat().st_mtime_ns
    for name in ("a.txt", "b.txt"):
        os.utime(tmp_path / name, ns=(cache_time - 10**9, cache_time - 10**9))
    digests(tmp_path)  # the new times go into the cache
    hashed: list[str] = []
    real = folder_scan.sha256_file

    def counted(path: str) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(folder_scan, "sha256_file", counted)
    assert digests(tmp_path) == first and hashed == []
    (tmp_path / "b.txt").write_text("B.txt")  # same size, other bytes
    again = digests(tmp_path)
    assert hashed == ["b.txt"] and again["b.txt"] == hashlib.sha256(b"B.txt").hexdigest()


@pytest.mark.dbless
def test_a_file_not_older_than_the_cache_is_hashed_again(tmp_path: Path) -> None:
    """Git's racily-clean rule: a file changed in the tick the cache was written could change
    again in that tick without its times showing it; its saved digest is not trusted."""
    (tmp_path / "a.txt").write_text("two")
    info = os.stat(tmp_path / "a.txt")
    cache = HashCache(tmp_path)
    stale = "0" * 64
    cache.entries["a.txt"] = [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                              stale]
    cache.written_ns = info.st_mtime_ns + 1
    assert cache.sha("a.txt", str(tmp_path / "a.txt"), info) == stale
    cache.written_ns = info.st_mtime_ns
    assert cache.sha("a.txt", str(tmp_path / "a.txt"), info) == \
        hashlib.sha256(b"two").hexdigest()
