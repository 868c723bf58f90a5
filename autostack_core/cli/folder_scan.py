"""Which files of a folder a deploy sends, and their sha256, re-hashing only what changed.

The digests are kept in ``.autostack/hashes.json`` by path, with each file's inode,
size, mtime and ctime (git's index does the same). A file whose mtime is not older
than that file's own mtime was changed in the same clock tick as the cache was
written: it is hashed again, since a second change in that tick would not show
(git's "racily clean" rule; file times are only as fine as the kernel's tick).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

ALWAYS_IGNORED = (
    ".git", ".hg", ".svn", "node_modules", ".autostack", ".vercel", ".venv", "venv",
    "__pycache__", ".DS_Store", ".env", ".env.*", "*.swp", ".cache", "npm-debug.log",
)
IGNORE_FILE = ".autostackignore"
HASH_CACHE = Path(".autostack") / "hashes.json"
CACHE_VERSION = 1


@dataclass(frozen=True)
class LocalFile:
    path: str
    absolute: Path
    sha: str
    size: int
    mode: int


def ignore_matcher(root: Path) -> Callable[[str], bool]:
    """Whether a name or a relative path is ignored: the built-in patterns and those of
    ``.autostackignore``, as one regular expression."""
    extra = root / IGNORE_FILE
    lines = extra.read_text().splitlines() if extra.is_file() else []
    patterns = [*ALWAYS_IGNORED, *(line.strip().strip("/") for line in lines
                                   if line.strip() and not line.startswith("#"))]
    regex = re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))
    return lambda name: regex.match(name) is not None


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class HashCache:
    """The folder's saved digests; :meth:`sha` hashes a file only when it changed."""

    def __init__(self, root: Path) -> None:
        self.path = root / HASH_CACHE
        self.entries: dict[str, list[int | str]] = {}
        self.fresh: dict[str, list[int | str]] = {}
        self.written_ns = 0
        try:
            self.written_ns = self.path.stat().st_mtime_ns
            data = json.loads(self.path.read_text())
            if data.get("version") == CACHE_VERSION and isinstance(data.get("files"), dict):
                self.entries = data["files"]
        except (OSError, ValueError, AttributeError):
            self.entries = {}

    def sha(self, relative: str, absolute: str, info: os.stat_result) -> str:
        """The file's sha256, from the cache when inode, size, mtime and ctime match."""
        key: list[int | str] = [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        saved = self.entries.get(relative)
        if (saved is not None and saved[:4] == key and info.st_mtime_ns < self.written_ns
                and isinstance(saved[4], str)):
            digest = saved[4]
        else:
            digest = sha256_file(absolute)
        self.fresh[relative] = [*key, digest]
        return digest

    def save(self) -> None:
        """Write the digests seen by this scan (a read-only folder keeps no cache)."""
        if self.fresh == self.entries:
            return
        temporary = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            temporary.write_text(json.dumps({"version": CACHE_VERSION, "files": self.fresh}))
            os.replace(temporary, self.path)
        except OSError:
            return


def collect(root: Path) -> list[LocalFile]:
    """Every file to deploy, in path order; a symlink must point inside ``root`` (it is
    uploaded as a file)."""
    root = root.resolve()
    ignored = ignore_matcher(root)
    cache = HashCache(root)
    files: list[LocalFile] = []
    top = str(root)

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            if ignored(entry.name):
                continue
            relative = prefix + entry.name
            if entry.is_dir():
                if not entry.is_symlink():  # a linked folder is not followed (nor refused)
                    walk(entry.path, relative + "/")
                continue
            if ignored(relative):
                continue
            target = entry.path
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not (target + "/").startswith(top + "/"):
                    raise click.ClickException(
                        f"{relative} is a symlink pointing outside the folder; remove it or "
                        "add it to .autostackignore")
            try:
                info = os.stat(target)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            mode = 0o755 if info.st_mode & stat.S_IXUSR else 0o644
            files.append(LocalFile(relative, Path(target), cache.sha(relative, target, info),
                                   info.st_size, mode))

    walk(top, "")
    cache.save()
    return files
