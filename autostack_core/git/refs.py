"""A bare repository's refs read from its ref files, as git keeps them: no git process.

A push to the built-in remote reads its refs three times (the advertisement, the
branch heads before and after receive-pack); a ``git`` run costs 20-60 ms on a busy
machine, reading a few small files well under one.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def read_refs(repo: Path) -> dict[str, str] | None:
    """Every ref under ``refs/`` (full name -> object id) from ``packed-refs`` and the loose
    files (which win), or None when git must be asked instead: the repository keeps its
    refs in another format (``reftable``), or a ref file is not a plain object id (a
    symbolic ref, a broken file), which git resolves or skips by rules of its own."""
    folder = repo / "refs"
    if "refstorage" in (repo / "config").read_text().lower() or not folder.is_dir():
        return None
    refs: dict[str, str] = {}
    with contextlib.suppress(FileNotFoundError):
        for line in (repo / "packed-refs").read_text().splitlines():
            if line.startswith(("#", "^")):  # the header, a tag's peeled object
                continue
            sha, _, ref = line.partition(" ")
            if not SHA.match(sha) or not ref.startswith("refs/"):
                return None
            refs[ref] = sha
    for path in folder.rglob("*"):
        if path.name.endswith(".lock") or not path.is_file():
            continue
        with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
            sha = path.read_text().strip()
            if not SHA.match(sha):
                return None
            refs[path.relative_to(repo).as_posix()] = sha
    return refs
