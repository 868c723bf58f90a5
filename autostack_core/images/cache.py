"""Optimized images on disk, under a size limit, least recently used evicted first.

An entry is one file ``<root>/<key[:2]>/<key>.<expires>.<etag>.<ext>``: the
key names what was asked (the source's content hash or URL, width, quality,
format), the name carries what the answer needs, so a hit is one directory
read and one file read. A hit sets the file's modification time (atime is
often not kept), and eviction removes the oldest until the cache is under
90% of its limit. Files are written beside their place and renamed, so a
reader never sees half an image; several processes may share the folder
(each evicts by what it finds on disk).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
EVICT_TO = 0.9


@dataclass(frozen=True)
class Entry:
    data: bytes
    content_type: str
    etag: str
    expires: int
    """Unix time after which the entry is stale (its source is read again)."""


def key_of(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()


class ImageCache:
    """The on-disk cache; thread-safe (the conversions run in threads)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._size: int | None = None

    def _folder(self, key: str) -> Path:
        return self.root / key[:2]

    def get(self, key: str, extension_types: dict[str, str]) -> Entry | None:
        """The entry for ``key`` (stale ones too: the caller checks ``expires``), or None."""
        folder = self._folder(key)
        try:
            names = [name for name in os.listdir(folder) if name.startswith(f"{key}.")]
        except FileNotFoundError:
            return None
        for name in names:
            _, expires, etag, extension = [*name.split("."), "", "", ""][:4]
            path = folder / name
            try:
                data = path.read_bytes()
                os.utime(path)
            except FileNotFoundError:
                continue
            if extension in extension_types and expires.isdigit():
                return Entry(data, extension_types[extension], etag, int(expires))
        return None

    def put(self, key: str, entry: Entry, extension: str) -> None:
        folder = self._folder(key)
        folder.mkdir(parents=True, exist_ok=True)
        for old in [name for name in os.listdir(folder) if name.startswith(f"{key}.")]:
            self._remove(folder / old)
        descriptor, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(descriptor, "wb") as file:
            file.write(entry.data)
        os.replace(tmp, folder / f"{key}.{entry.expires}.{entry.etag}.{extension}")
        with self._lock:
            self._size = (self._size if self._size is not None else self._scan_size()) + len(
                entry.data
            )
            if self._size > self.max_bytes:
                self._evict()

    def _remove(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            path.unlink()
            with self._lock:
                if self._size is not None:
                    self._size -= size

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for folder, _, names in os.walk(self.root):
            for name in names:
                path = Path(folder) / name
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    found.append((stat.st_mtime, stat.st_size, path))
        return found

    def _scan_size(self) -> int:
        return sum(size for _, size, _ in self._files())

    def _evict(self) -> None:
        """Remove the least recently used files until under :data:`EVICT_TO` of the limit."""
        files = sorted(self._files())
        total = sum(size for _, size, _ in files)
        goal = self.max_bytes * EVICT_TO
        for _, size, path in files:
            if total <= goal:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                total -= size
        self._size = total

    def size(self) -> int:
        """Bytes on disk now (a scan)."""
        return self._scan_size()


def now() -> int:
    return int(time.time())
