"""Git objects a repository keeps loose, read without starting git.

A small push leaves its new objects loose (``objects/ab/cdef...``, zlib-compressed,
named by the hash of their header and content): its commit, the trees it changed and
its new files. Reading them here, each checked against its id, spares the push's
checkout a git process per question (``git log``, ``git ls-tree``, ``git cat-file``:
a few ms each, more on a busy machine). Anything else (a packed object, another type,
a file that does not match its id) returns None and the caller asks git.

A tree is listed as ``git ls-tree -r -z`` prints it: from its loose object, its
subtrees from theirs or from a cache of the listings git made (a tree's id names its
whole content, so a listing never goes stale): a warm push changing one file reads the
trees on that file's path and takes every other folder's listing from the cache. Only
git's listings are kept (after a first push or a ``git gc`` packed the trees, once):
a loose tree is parsed again rather than kept, since each file holds its folder's whole
listing and the trees a push changes (the root always) would add one per push.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

from autostack_core.build.sources import FULL_SHA, Checkout

TREE_MODE = b"40000"
MAX_DEPTH = 200
"""Folders nested deeper are listed by git: the listing recurses once per folder, and
Python's recursion stops near 1000 (a hostile tree could nest that deep)."""


class NewContentTooLarge(Exception):
    """The push's new blobs hold more than :data:`MAX_NEW_BYTES`: git checks it out."""


def read_loose(repository: str, blob: str, kind: bytes = b"blob",
               limit: int | None = None) -> bytes | None:
    """The content of git object ``blob`` (of type ``kind``) when the repository keeps it as
    a loose object, verified against its id (the hash of its header and content); None
    otherwise (packed, another type, unreadable): the caller then asks git. Content over
    ``limit`` bytes raises :class:`NewContentTooLarge`, known from the header, unread."""
    path = Path(repository) / "objects" / blob[:2] / blob[2:]
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(path.read_bytes(), 64)  # the header fits: "blob <size>\0"
        header, nul, _ = data.partition(b"\0")
        found, _, size_text = header.partition(b" ")
        if not nul or found != kind or not size_text.isdigit():
            return None
        size = int(size_text)
        if limit is not None and size > limit:
            raise NewContentTooLarge(blob)
        whole = len(header) + 1 + size
        if len(data) < whole:  # (a max_length of 0 would mean no limit)
            data += inflater.decompress(inflater.unconsumed_tail, whole - len(data))
    except (OSError, zlib.error):
        return None
    content = data[len(header) + 1:]
    algorithm = "sha1" if len(blob) == 40 else "sha256"
    if len(content) != size or hashlib.new(algorithm, data).hexdigest() != blob:
        return None
    return content


def describe_loose(repository: str, commit: str) -> Checkout | None:
    """Commit ``commit`` as :func:`~autostack_core.build.sources.describe_local` describes it
    (its tree and subject, git's ``%s``: the first paragraph, lines joined by spaces),
    read from its loose object (a small push's new commit), or None: packed, not a
    commit (a tag), another encoding than UTF-8."""
    data = read_loose(repository, commit, b"commit")
    try:
        text = None if data is None else data.decode()
    except UnicodeDecodeError:
        return None
    if text is None:
        return None
    headers, _, message = text.partition("\n\n")
    fields = headers.split("\n")
    if not fields[0].startswith("tree ") or any(field.startswith("encoding ")
                                                 for field in fields):
        return None
    lines = [line.rstrip(" \t\r") for line in message.split("\n")]  # git's isspace
    while lines and not lines[0]:
        lines.pop(0)
    subject = " ".join(lines[:lines.index("")] if "" in lines else lines)
    return Checkout(commit_sha=commit, commit_message=subject[:500],
                    tree_sha=fields[0].removeprefix("tree "))


def tree_listing(repository: str, tree: str, cache: Path, depth: int = 0) -> str | None:
    """Tree ``tree`` listed as ``git ls-tree -r -z`` lists it (``<mode> <type> <id>\\t<path>``
    per file, NUL-terminated), from the cache (:func:`keep_listings`) or loose trees, or
    None when a tree is neither, or folders nest deeper than
    :data:`MAX_DEPTH`: git lists the commit."""
    if not FULL_SHA.match(tree) or depth > MAX_DEPTH:
        return None
    path = cache / tree
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8")
    data = read_loose(repository, tree, b"tree")
    if data is None:
        return None
    id_bytes, entries, start = len(tree) // 2, [], 0
    try:
        while start < len(data):
            space = data.index(b" ", start)
            nul = data.index(b"\0", space)
            mode, name = data[start:space], data[space + 1:nul].decode(errors="replace")
            entry = data[nul + 1:nul + 1 + id_bytes].hex()
            start = nul + 1 + id_bytes
            if len(entry) != len(tree):
                return None
            if mode != TREE_MODE:
                kind = "commit" if mode == b"160000" else "blob"
                entries.append(f"{int(mode):06d} {kind} {entry}\t{name}")
                continue
            listing = tree_listing(repository, entry, cache, depth + 1)
            if listing is None:
                return None
            for line in listing.split("\0"):
                if line:
                    meta, _, below = line.partition("\t")
                    entries.append(f"{meta}\t{name}/{below}")
    except ValueError:  # a malformed tree: git says what is wrong
        return None
    return "".join(f"{entry}\0" for entry in entries)


def keep_listings(listing: str, tree: str, cache: Path) -> str:
    """Cache every tree's listing out of ``listing``, what ``git ls-tree -r -t -z`` printed for
    tree ``tree`` (its folders' lines too); return the listing without those lines, as
    ``git ls-tree -r -z`` prints it."""
    folders: dict[str, str] = {"": tree}
    below: dict[str, list[str]] = {"": []}
    for line in listing.split("\0"):
        if not line:
            continue
        meta, _, path = line.partition("\t")
        if meta.split(" ")[1:2] == ["tree"]:
            folders[path], below[path] = meta.split(" ")[2], []
            continue
        parts = path.split("/")
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth])
            if folder in below:
                below[folder].append(f"{meta}\t{'/'.join(parts[depth:])}\0")
    cache.mkdir(parents=True, exist_ok=True)
    for folder, folder_tree in folders.items():
        if FULL_SHA.match(folder_tree) and not (cache / folder_tree).exists():
            _write(cache / folder_tree, "".join(below[folder]))
    return "".join(below[""])


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a reader never sees half)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)
