"""Manifests: a tree of files as ``{relative path: {sha256, size, mode}}``.

What the store (:mod:`autostack_core.infrastructure.store`) and everything that
hands it files agree on: the relative paths a tree may hold (checked before
anything is written), the hashes that name objects, a source tree's hash (same
files, same hash, so a build is reused) and a manifest's sizes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
Manifest = dict[str, Any]


class StoreError(Exception):
    """Something cannot be stored or read; the message names the offending path or hash."""


class UnsafePathError(StoreError, ValueError):
    """A relative path that could escape its folder; ``path`` is the offending value."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"unsafe path {path!r}: {reason}")
        self.path = path
        self.reason = reason



MAX_NAME_BYTES = 255
"""The longest file or folder name Linux file systems hold (``NAME_MAX``)."""
MAX_PATH_BYTES = 1024
"""The longest relative path: with the workspace's own folder it stays under ``PATH_MAX``."""


def safe_relative_path(path: str) -> str:
    """Return ``path`` if it is a plain relative POSIX path inside its folder.

    Rejects (with :class:`UnsafePathError`) empty paths, absolute paths,
    ``.`` and ``..`` segments, empty segments (``a//b``, a trailing ``/``),
    NUL bytes, backslashes, text that is not Unicode (lone surrogates), names
    longer than :data:`MAX_NAME_BYTES` and paths longer than
    :data:`MAX_PATH_BYTES` in UTF-8: the file system would refuse them only
    when the files are written, deep inside a build.
    """
    if not path:
        raise UnsafePathError(path, "empty path")
    if "\0" in path:
        raise UnsafePathError(path, "contains a NUL byte")
    if "\\" in path:
        raise UnsafePathError(path, "contains a backslash")
    if path.startswith("/"):
        raise UnsafePathError(path, "absolute paths are not allowed")
    try:
        size = len(path.encode())
    except UnicodeEncodeError as error:
        raise UnsafePathError(path, "not valid Unicode text") from error
    if size > MAX_PATH_BYTES:
        raise UnsafePathError(path, f"longer than {MAX_PATH_BYTES} bytes")
    for segment in path.split("/"):
        if segment == "":
            raise UnsafePathError(path, "empty path segment")
        if segment in (".", ".."):
            raise UnsafePathError(path, f"'{segment}' segments are not allowed")
        if len(segment.encode()) > MAX_NAME_BYTES:
            raise UnsafePathError(path, f"a name longer than {MAX_NAME_BYTES} bytes")
    return path


def file_folder_clash(paths: Iterable[str]) -> tuple[int, str] | None:
    """The first path that a tree cannot hold next to the ones before it, or None.

    ``a`` and ``a/b`` would make ``a`` both a file and a folder. Returns the
    index of the later path and the earlier one it clashes with.
    """
    files: set[str] = set()
    folders: dict[str, str] = {}
    for index, path in enumerate(paths):
        if path in folders:
            return index, folders[path]
        parts = path.split("/")
        parents = ["/".join(parts[:end]) for end in range(1, len(parts))]
        for parent in parents:
            if parent in files:
                return index, parent
        files.add(path)
        for parent in parents:
            folders.setdefault(parent, path)
    return None


def check_hash(value: str) -> str:
    """Return ``value`` if it is a lowercase hex sha256, else raise :class:`StoreError`."""
    if not isinstance(value, str) or not HASH_RE.match(value):
        raise StoreError(f"not a sha256 hash: {value!r}")
    return value


def tree_hash(files: dict[str, str]) -> str:
    """A stable hash of a source tree given as ``{relative path: sha256}``.

    Two uploads or checkouts with the same files and contents get the same
    hash, whatever the order, so a build can be reused instead of repeated.
    """
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path]}\n".encode())
    return digest.hexdigest()


def manifest_bytes(manifest: Manifest) -> int:
    """The total size of a manifest's files, each path counted (what its folder takes)."""
    return sum(int(entry["size"]) for entry in manifest["files"].values())


def manifest_objects(manifest: Manifest) -> dict[str, int]:
    """``{sha256: size}`` of the distinct objects a manifest refers to."""
    return {entry["sha256"]: int(entry["size"]) for entry in manifest["files"].values()}
