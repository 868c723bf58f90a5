"""The content-addressed store: dedup, manifests, materialize, gc, path validation."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from autostack_core.infrastructure.manifests import (
    StoreError,
    UnsafePathError,
    file_folder_clash,
    safe_relative_path,
    tree_hash,
)
from autostack_core.infrastructure.store import LaidOut, Store

pytestmark = pytest.mark.dbless


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store")


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_put_bytes_is_content_addressed_and_read_only(store: Store) -> None:
    digest = store.put_bytes(b"hello")
    assert digest == sha("hello")
    path = store.object_path(digest)
    assert path == store.root / "objects" / digest[:2] / digest[2:]
    assert path.read_bytes() == b"hello"
    assert path.stat().st_mode & 0o777 == 0o444
    assert store.put_bytes(b"hello") == digest
    assert store.has(digest)


def test_put_file_matches_sha256_of_contents(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    digest = store.put_file(source)
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.object_path(digest).read_bytes() == source.read_bytes()
    assert list((store.root / "tmp").iterdir()) == []


def test_missing_lists_unknown_hashes_once_in_order(store: Store) -> None:
    known = store.put_bytes(b"known")
    unknown_a, unknown_b = sha("a"), sha("b")
    assert store.missing([unknown_b, known, unknown_a, unknown_b]) == [unknown_b, unknown_a]


def test_missing_rejects_something_that_is_not_a_hash(store: Store) -> None:
    with pytest.raises(StoreError, match="not a sha256"):
        store.missing(["../../etc/passwd"])


def test_put_tree_records_every_file_with_hash_size_and_mode(
    store: Store, tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "out", {"index.html": "<h1>hi</h1>", "assets/app.js": "x=1"})
    (tree / "run.sh").write_text("#!/bin/sh\n")
    (tree / "run.sh").chmod(0o755)
    manifest_hash, manifest = store.put_tree(tree)
    assert manifest == {
        "files": {
            "assets/app.js": {"sha256": sha("x=1"), "size": 3, "mode": 0o644},
            "index.html": {"sha256": sha("<h1>hi</h1>"), "size": 11, "mode": 0o644},
            "run.sh": {"sha256": sha("#!/bin/sh\n"), "size": 10, "mode": 0o755},
        }
    }
    assert store.load_manifest(manifest_hash) == manifest
    assert (store.root / "manifests" / f"{manifest_hash}.json").is_file()


def test_same_tree_gives_same_manifest_hash_and_dedups_objects(
    store: Store, tmp_path: Path
) -> None:
    first, _ = store.put_tree(make_tree(tmp_path / "a", {"x.txt": "same", "y.txt": "same"}))
    second, _ = store.put_tree(make_tree(tmp_path / "b", {"x.txt": "same", "y.txt": "same"}))
    assert first == second
    assert len(list((store.root / "objects").glob("??/*"))) == 1


def test_symlink_inside_the_tree_is_stored_as_its_target(store: Store, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "out", {"real/page.html": "page"})
    (tree / "alias.html").symlink_to("real/page.html")
    (tree / "linked").symlink_to("real")
    _, manifest = store.put_tree(tree)
    assert set(manifest["files"]) == {"alias.html", "linked/page.html", "real/page.html"}
    assert manifest["files"]["alias.html"]["sha256"] == sha("page")


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside.txt"])
def test_symlink_pointing_outside_the_tree_is_rejected(
    store: Store, tmp_path: Path, target: str
) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    tree = make_tree(tmp_path / "out", {"index.html": "hi"})
    (tree / "leak.txt").symlink_to(target)
    with pytest.raises(StoreError, match=r"'leak\.txt' points outside"):
        store.put_tree(tree)


def test_symlink_loop_is_rejected(store: Store, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "out", {"dir/index.html": "hi"})
    (tree / "dir" / "again").symlink_to("..")
    with pytest.raises(StoreError, match="loop"):
        store.put_tree(tree)


def test_materialize_recreates_the_tree_with_hard_links(store: Store, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "out", {"index.html": "hi", "a/b/c.css": "body{}"})
    (tree / "tool").write_text("#!/bin/sh\necho ok\n")
    (tree / "tool").chmod(0o755)
    manifest_hash, _ = store.put_tree(tree)
    dest = tmp_path / "deployments" / "d1"
    store.materialize(manifest_hash, dest, link_store=True)
    assert (dest / "index.html").read_text() == "hi"
    assert (dest / "a/b/c.css").read_text() == "body{}"
    assert os.path.samefile(dest / "index.html", store.object_path(sha("hi")))
    assert (dest / "tool").stat().st_mode & 0o777 == 0o555
    tool = sha("#!/bin/sh\necho ok\n")
    assert os.path.samefile(dest / "tool", store.object_path(tool, executable=True))
    assert store.object_path(tool).stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in dest.parent.iterdir()) == ["d1"]


def disk_bytes(*folders: Path) -> int:
    """Bytes the files under ``folders`` take on disk, each inode counted once."""
    inodes = {}
    for folder in folders:
        for path in folder.rglob("*"):
            st = path.lstat()
            if path.is_file():
                inodes[(st.st_dev, st.st_ino)] = st.st_blocks * 512
    return sum(inodes.values())


def one_file_listed(store: Store, times: int, size: int, mode: int) -> str:
    """A manifest listing the same ``size``-byte object ``times`` times."""
    digest = store.put_bytes(os.urandom(size))
    return store.put_manifest({"files": {
        f"bin/tool{index}": {"sha256": digest, "size": size, "mode": mode}
        for index in range(times)}})


def test_an_executable_listed_400_times_takes_its_size_once(
    store: Store, tmp_path: Path
) -> None:
    """One 1 MiB file listed 400 times as executable wrote 800 MB before (a copy each)."""
    manifest_hash = one_file_listed(store, 400, 1024 * 1024, 0o755)
    before = disk_bytes(store.root)
    store.materialize(manifest_hash, tmp_path / "deployment", link_store=True)
    written = disk_bytes(store.root, tmp_path / "deployment") - before
    assert written <= 1024 * 1024 + 64 * 1024
    tools = list((tmp_path / "deployment" / "bin").iterdir())
    assert len(tools) == 400
    assert all(os.access(tool, os.X_OK) for tool in tools)


def test_a_workspace_never_links_into_the_store(store: Store, tmp_path: Path) -> None:
    """A build may chmod and rewrite its workspace: that must not change the stored object."""
    manifest_hash, _ = store.put_tree(make_tree(tmp_path / "src", {"index.html": "shared"}))
    store.materialize(manifest_hash, tmp_path / "workspace")
    copy = tmp_path / "workspace" / "index.html"
    assert copy.stat().st_mode & 0o777 == 0o644
    copy.write_text("poisoned")
    assert store.object_path(sha("shared")).read_text() == "shared"


def test_a_workspace_is_writable_and_each_path_is_its_own_copy(
    store: Store, tmp_path: Path
) -> None:
    """Builds rewrite their sources (next-env.d.ts): twins of one content stay apart."""
    manifest_hash = store.put_manifest({"files": {
        path: {"sha256": store.put_bytes(b"same"), "size": 4, "mode": mode}
        for path, mode in (("a.d.ts", 0o644), ("lib/b.d.ts", 0o644), ("bin/run", 0o755))}})
    store.materialize(manifest_hash, tmp_path / "workspace")
    workspace = tmp_path / "workspace"
    assert (workspace / "bin/run").stat().st_mode & 0o777 == 0o755
    (workspace / "a.d.ts").write_text("rewritten by the build")
    assert (workspace / "lib/b.d.ts").read_text() == "same"
    assert (workspace / "bin/run").read_text() == "same"
    assert store.object_path(sha("same")).read_text() == "same"


def test_gc_removes_an_executable_twin_with_its_object(store: Store, tmp_path: Path) -> None:
    manifest_hash = one_file_listed(store, 1, 10, 0o755)
    store.materialize(manifest_hash, tmp_path / "deployment", link_store=True)
    report = store.gc(keep_manifest_hashes=set())
    assert report.objects_removed == 2
    assert list(store.objects.glob("??/*")) == []


def test_materialize_replaces_an_existing_destination(store: Store, tmp_path: Path) -> None:
    old, _ = store.put_tree(make_tree(tmp_path / "v1", {"old.html": "1"}))
    new, _ = store.put_tree(make_tree(tmp_path / "v2", {"new.html": "2"}))
    dest = tmp_path / "site"
    store.materialize(old, dest)
    store.materialize(new, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_materialize_of_an_unknown_manifest_fails_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match="no manifest"):
        store.materialize(sha("nothing"), tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_tree_hash_is_stable_and_sensitive_to_paths_and_contents() -> None:
    files = {"a.txt": sha("a"), "b/c.txt": sha("c")}
    assert tree_hash(files) == tree_hash(dict(reversed(list(files.items()))))
    assert tree_hash(files) != tree_hash({"a.txt": sha("a"), "b/d.txt": sha("c")})
    assert tree_hash(files) != tree_hash({"a.txt": sha("a"), "b/c.txt": sha("changed")})


def test_gc_keeps_what_kept_manifests_use_and_removes_the_rest(
    store: Store, tmp_path: Path
) -> None:
    kept, _ = store.put_tree(make_tree(tmp_path / "kept", {"shared.js": "s", "a.html": "a"}))
    dropped, _ = store.put_tree(make_tree(tmp_path / "old", {"shared.js": "s", "b.html": "bb"}))
    upload = store.put_bytes(b"uploading")
    orphan = store.put_bytes(b"orphan!")
    report = store.gc({kept}, keep_objects={upload})
    assert report.manifests_removed == 1
    assert report.objects_removed == 2
    assert report.bytes_freed == len("bb") + len("orphan!")
    assert not store.has_manifest(dropped)
    assert store.has(sha("s")) and store.has(sha("a")) and store.has(upload)
    assert not store.has(sha("bb")) and not store.has(orphan)
    store.materialize(kept, tmp_path / "still-works")
    assert (tmp_path / "still-works" / "shared.js").read_text() == "s"


def test_gc_grace_period_spares_fresh_objects(store: Store) -> None:
    fresh = store.put_bytes(b"just built")
    report = store.gc(set(), grace_seconds=600)
    assert report.objects_removed == 0
    assert store.has(fresh)


def test_gc_grace_period_spares_a_fresh_manifest_and_its_files(store: Store,
                                                                tmp_path: Path) -> None:
    """A build writes its manifest before its deployment names it."""
    manifest_hash, _ = store.put_tree(make_tree(tmp_path / "new", {"a.html": "a"}))
    old_file = store.object_path(sha("a"))
    os.utime(old_file, (time.time() - 3600, time.time() - 3600))  # stored by an older build
    report = store.gc(set(), grace_seconds=600)
    assert (report.manifests_removed, report.objects_removed) == (0, 0)
    store.materialize(manifest_hash, tmp_path / "served")


@pytest.mark.parametrize("path", ["index.html", "a/b/c.txt", ".well-known/x", "a..b/c"])
def test_safe_relative_path_accepts_plain_paths(path: str) -> None:
    assert safe_relative_path(path) == path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty path"),
        ("/etc/passwd", "absolute"),
        ("../secret", "'..'"),
        ("a/../../b", "'..'"),
        ("./a", "'.'"),
        ("a//b", "empty path segment"),
        ("a/", "empty path segment"),
        ("a\0b", "NUL"),
        ("a\\..\\b", "backslash"),
        ("a/" + "n" * 256, "longer than 255 bytes"),
        ("é" * 128, "longer than 255 bytes"),
        ("/".join(["n" * 200] * 6), "longer than 1024 bytes"),
        ("a\ud800", "not valid Unicode"),
    ],
)
def test_safe_relative_path_rejects_escapes_and_names_the_path(path: str, reason: str) -> None:
    with pytest.raises(UnsafePathError, match=reason) as error:
        safe_relative_path(path)
    assert error.value.path == path
    assert repr(path) in str(error.value)


def test_names_up_to_the_file_system_limits_are_accepted() -> None:
    path = "/".join(["n" * 255] * 4)
    assert safe_relative_path(path) == path


@pytest.mark.parametrize(("paths", "clash"), [
    (["a", "a/b"], (1, "a")),
    (["a/b/c", "a/b"], (1, "a/b/c")),
    (["x", "a/b", "a"], (2, "a/b")),
    (["a/b", "a/c", "ab", "b/a"], None),
])
def test_a_path_cannot_be_a_file_and_a_folder(
    paths: list[str], clash: tuple[int, str] | None
) -> None:
    assert file_folder_clash(paths) == clash


def linked_output(store: Store, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A build output as the fast path leaves it: links to stored objects (one of them an
    executable's twin) beside a file the host wrote itself, in a nested folder."""
    output = tmp_path / "build" / "output"
    (output / "static" / "a").mkdir(parents=True)
    page, tool = store.put_bytes(b"<h1>hi</h1>"), store.put_bytes(b"#!/bin/sh\n")
    os.link(store.object_path(page), output / "static" / "a" / "index.html")
    os.link(store._executable_object(tool), output / "static" / "tool")
    (output / "config.json").write_text('{"version": 3}')
    return output, {"static/a/index.html": page, "static/tool": tool,
                    "config.json": sha('{"version": 3}')}


def test_an_output_laid_out_in_place_is_moved_into_the_deployment(
    store: Store, tmp_path: Path
) -> None:
    output, objects = linked_output(store, tmp_path)
    scanned = store.scan_tree(output, store.object_inodes(objects.values()))
    assert scanned.linked == {"static/a/index.html", "static/tool"}
    manifest_hash = store.store_tree(scanned)
    laid_out = LaidOut(manifest_hash, tmp_path / "build" / f"{manifest_hash}.out")
    assert store.lay_out_in_place(scanned, manifest_hash, laid_out.folder)
    assert not output.exists()
    dest = tmp_path / "deployments" / "d1"
    store.materialize(manifest_hash, dest, link_store=True, laid_out=laid_out)
    assert not laid_out.folder.exists()  # moved, not linked again
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) \
        == sorted(objects)
    for relative, digest in objects.items():
        executable = relative == "static/tool"
        assert os.path.samefile(dest / relative, store.object_path(digest, executable))
        assert (dest / relative).stat().st_mode & 0o777 == (0o555 if executable else 0o444)
    assert (dest / "config.json").read_text() == '{"version": 3}'
    assert sorted(p.name for p in dest.parent.iterdir()) == ["d1"]
    # Once moved, the same manifest is laid out again from the store.
    again = tmp_path / "deployments" / "d2"
    store.materialize(manifest_hash, again, link_store=True, laid_out=laid_out)
    assert (again / "static/a/index.html").read_bytes() == b"<h1>hi</h1>"


def test_a_folder_laid_out_for_another_manifest_is_not_moved(
    store: Store, tmp_path: Path
) -> None:
    output, _ = linked_output(store, tmp_path)
    scanned = store.scan_tree(output)
    manifest_hash = store.store_tree(scanned)
    laid_out = LaidOut(manifest_hash, tmp_path / "laid-out")
    assert store.lay_out_in_place(scanned, manifest_hash, laid_out.folder)
    other, _ = store.put_tree(make_tree(tmp_path / "other", {"index.html": "other"}))
    dest = tmp_path / "deployments" / "d1"
    store.materialize(other, dest, link_store=True, laid_out=laid_out)
    assert [p.name for p in dest.iterdir()] == ["index.html"]
    assert (laid_out.folder / "config.json").is_file()


@pytest.mark.parametrize("odd", ["link to a file", "link to a folder", "empty folder"])
def test_an_output_with_links_or_an_empty_folder_is_not_laid_out_in_place(
    store: Store, tmp_path: Path, odd: str
) -> None:
    output, _ = linked_output(store, tmp_path)
    if odd == "link to a file":
        (output / "static" / "copy.html").symlink_to("a/index.html")
    elif odd == "link to a folder":
        (output / "static" / "b").symlink_to("a")
    else:
        (output / "static" / "empty" / "deeper").mkdir(parents=True)
    scanned = store.scan_tree(output)
    assert not store.lay_out_in_place(scanned, store.store_tree(scanned), tmp_path / "laid-out")
    assert not (tmp_path / "laid-out").exists()
    assert (output / "static" / "a" / "index.html").read_bytes() == b"<h1>hi</h1>"
