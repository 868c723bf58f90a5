"""A pushed commit's files as hard links to the store, like an upload's.

The built-in remote's commit is listed from its loose trees and a cache of earlier
listings (:mod:`~autostack_core.build.loose_objects`), else with one ``git ls-tree``;
each blob git already gave the store before (a file the last push had too) is found
through a small map of git blob ids to store hashes, and only new blobs are read into
the store:
from their loose object files when git keeps them so (a small push's new files,
checked against their ids), the others with one ``git cat-file --batch``. The
commit then becomes a manifest that
:meth:`~autostack_core.infrastructure.store.Store.materialize` lays out as links:
an unchanged file of a warm push is neither written, read nor hashed again, and
the pipeline's static fast path and store step treat it as they treat an upload.

A tree with a symbolic link, a submodule, a path git would refuse to check out
(``.git``) or the store would refuse, or more new content than
:data:`MAX_NEW_BYTES` returns None: the caller checks it out with git instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autostack_core.build.loose_objects import (
    NewContentTooLarge,
    describe_loose,
    keep_listings,
    read_loose,
    tree_listing,
)
from autostack_core.build.sources import (
    FULL_SHA,
    GIT_TIMEOUT_SECONDS,
    Checkout,
    SourceError,
    checkout_local,
    describe_local,
    git,
    git_env,
)
from autostack_core.infrastructure.manifests import StoreError, UnsafePathError, safe_relative_path
from autostack_core.infrastructure.store import Store

MAX_NEW_BYTES = 64 * 1024 * 1024
"""New content read through memory at most; a larger push is checked out by git."""
FILE_MODES = {"100644": 0o644, "100755": 0o755}


Stored = dict[str, tuple[str, int]]
"""Git blob -> (store hash, size) of blobs the store holds."""


@dataclass(frozen=True)
class TreeFile:
    path: str
    blob: str
    mode: int


def blob_map_path(blob_map: Path, blob: str) -> str:
    """Where the store hash of git blob ``blob`` is kept in the folder ``blob_map``: a
    symbolic link whose target is that hash (one ``readlink`` to read, made atomically).
    Text, not a :class:`Path`: read for every file of every push."""
    return f"{blob_map}/{blob[:2]}/{blob[2:]}"


async def list_commit(repository: str, commit: str, tree: str, cache: Path) -> str:
    """Commit ``commit`` (of tree ``tree``) listed by ``git ls-tree``, each folder's listing
    kept in ``cache`` (:func:`~autostack_core.build.loose_objects.keep_listings`). Without
    sizes (``-l``: git would look up every blob, 2 of the 4 ms of a 200-file listing): the
    store knows the known blobs' sizes."""
    listing = await git("ls-tree", "-r", "-t", "-z", "--full-tree", commit,
                        git_dir=repository, allow_local=True)
    return await asyncio.to_thread(keep_listings, listing, tree, cache)


def list_tree(listing: str) -> list[TreeFile] | None:
    """The files of ``listing`` (``git ls-tree -r -z``'s), or None when the tree holds
    anything but plain files with paths both git and the store accept."""
    files = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, blob = meta.split()
        if kind != "blob" or mode not in FILE_MODES:
            return None  # a symbolic link or a submodule
        try:
            safe_relative_path(path)
        except UnsafePathError:
            return None
        if any(part.lower() == ".git" for part in path.split("/")):
            return None
        files.append(TreeFile(path, blob, FILE_MODES[mode]))
    return files


def known_hashes(store: Store, blob_map: Path, files: list[TreeFile]) -> Stored:
    """The blobs of ``files`` whose object the store still has, with its hash and size."""
    known: Stored = {}
    for file in files:
        if file.blob in known:
            continue
        with contextlib.suppress(OSError, StoreError):
            sha = os.readlink(blob_map_path(blob_map, file.blob))
            size = store.size(sha)
            if size is not None:
                known[file.blob] = (sha, size)
    return known


def remember(blob_map: Path, blob: str, sha: str) -> None:
    """Record that git blob ``blob`` is the store's object ``sha``."""
    path = blob_map_path(blob_map, blob)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.symlink(sha, path)


def stored_hashes(repository: str, store: Store, blob_map: Path,
                  files: list[TreeFile]) -> tuple[Stored, int]:
    """The blobs of ``files`` the store has (:func:`known_hashes`), with the new ones the
    repository keeps loose stored (:func:`read_loose`), and how many bytes of
    :data:`MAX_NEW_BYTES` are left; :class:`NewContentTooLarge` past it. One call, so one
    thread for the lot."""
    known = known_hashes(store, blob_map, files)
    left = MAX_NEW_BYTES
    for blob in sorted({file.blob for file in files if file.blob not in known}):
        content = read_loose(repository, blob, limit=left)
        if content is not None:
            left -= len(content)
            known[blob] = (store.put_bytes(content), len(content))
            remember(blob_map, blob, known[blob][0])
    return known, left


async def store_new_blobs(repository: str, store: Store, blob_map: Path,
                          blobs: list[str], limit: int) -> Stored:
    """Read ``blobs`` out of the repository into the store, their hashes and sizes;
    :class:`NewContentTooLarge` (unread) past ``limit`` bytes."""
    process = await asyncio.create_subprocess_exec(
        "git", "cat-file", "--batch", env={**git_env(True), "GIT_DIR": repository},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, start_new_session=True, limit=1 << 20,
    )
    assert process.stdin is not None and process.stdout is not None
    stored: Stored = {}

    async def read_all() -> None:
        assert process.stdout is not None
        left = limit
        for blob in blobs:
            header = (await process.stdout.readline()).decode().split()
            if len(header) != 3 or header[0] != blob or header[1] != "blob":
                raise SourceError(f"git cat-file could not read {blob}")
            size = int(header[2])
            left -= size
            if left < 0:
                raise NewContentTooLarge(blob)
            data = await process.stdout.readexactly(size + 1)
            sha = await asyncio.to_thread(store.put_bytes, data[:-1])
            await asyncio.to_thread(remember, blob_map, blob, sha)
            stored[blob] = (sha, size)

    try:
        process.stdin.write("".join(f"{blob}\n" for blob in blobs).encode())
        process.stdin.close()
        await asyncio.wait_for(read_all(), GIT_TIMEOUT_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    return stored


async def store_commit(repository: str, store: Store, blob_map: Path,
                       listing: str) -> dict[str, Any] | None:
    """A commit's files (``listing``: :func:`list_tree`) as a manifest whose objects are all
    in the store, or None when it must be checked out by git (see the module's
    docstring). ``blob_map`` is the folder of the git blob -> store hash map."""
    files = list_tree(listing)
    if files is None:
        return None
    try:
        known, left = await asyncio.to_thread(stored_hashes, repository, store, blob_map, files)
        packed = sorted({file.blob for file in files if file.blob not in known})
        if packed:
            known.update(await store_new_blobs(repository, store, blob_map, packed, left))
    except NewContentTooLarge:
        return None
    ordered = sorted(files, key=lambda file: file.path)
    return {"files": {file.path: {"sha256": known[file.blob][0], "size": known[file.blob][1],
                                  "mode": file.mode} for file in ordered}}


def read_commit(repository: str, commit: str, trees: Path) -> tuple[Checkout | None, str | None]:
    """Commit ``commit`` described and its tree listed without git (loose objects and the
    tree cache ``trees``: :mod:`~autostack_core.build.loose_objects`), either None when
    git must; one call, so one thread."""
    described = describe_loose(repository, commit)
    return described, None if described is None else \
        tree_listing(repository, described.tree_sha, trees)


def link_manifest(store: Store, manifest: dict[str, Any], dest: Path) -> str:
    """Store ``manifest`` and lay it out in ``dest`` as links to the store; its hash."""
    manifest_hash = store.put_manifest(manifest)
    store.materialize(manifest_hash, dest, link_store=True)
    return manifest_hash


@dataclass(frozen=True)
class PushedSource:
    """A checkout of the built-in remote; ``manifest_hash`` names the stored manifest the
    workspace is hard links to (None: git wrote private files)."""

    checkout: Checkout
    manifest_hash: str | None = None
    objects: tuple[str, ...] = ()


async def checkout_pushed(repository: Path, ref: str, store: Store, blob_map: Path,
                          dest: Path, index: Path) -> PushedSource:
    """Lay ``ref`` of the built-in remote ``repository`` out in ``dest`` as links to the
    store (:func:`store_commit`), else with git (:func:`checkout_local`, through ``index``)."""
    repo, trees = str(repository), blob_map / "trees"
    loose, listing = await asyncio.to_thread(read_commit, repo, ref, trees) \
        if FULL_SHA.match(ref) else (None, None)
    described = loose or await describe_local(repo, ref)
    if listing is None:
        listing = await list_commit(repo, described.commit_sha, described.tree_sha, trees)
    manifest = await store_commit(repo, store, blob_map, listing)
    if manifest is None:
        return PushedSource(await checkout_local(repository, ref, dest, index))
    manifest_hash = await asyncio.to_thread(link_manifest, store, manifest, dest)
    return PushedSource(described, manifest_hash,
                        tuple(entry["sha256"] for entry in manifest["files"].values()))
