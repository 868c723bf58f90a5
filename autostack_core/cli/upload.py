"""Folder uploads: hash every file, ask the server what it lacks, upload only that.

What is missing goes in batches (one tar per :data:`BATCH_BYTES` or so, its
members named by their sha256); a file larger than a batch goes alone in a ``PUT``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

from autostack_core.cli.api_client import ApiClient

ALWAYS_IGNORED = (
    ".git", ".hg", ".svn", "node_modules", ".autostack", ".vercel", ".venv", "venv",
    "__pycache__", ".DS_Store", ".env", ".env.*", "*.swp", ".cache", "npm-debug.log",
)
IGNORE_FILE = ".autostackignore"
UPLOAD_THREADS = 8
BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: str
    absolute: Path
    sha: str
    size: int
    mode: int


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _patterns(root: Path) -> list[str]:
    extra = root / IGNORE_FILE
    lines = extra.read_text().splitlines() if extra.is_file() else []
    return [*ALWAYS_IGNORED, *(line.strip().strip("/") for line in lines
                               if line.strip() and not line.startswith("#"))]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect(root: Path) -> list[LocalFile]:
    """Every file to deploy; a symlink must point inside ``root`` (it is uploaded as a file)."""
    root = root.resolve()
    patterns = _patterns(root)
    files = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d, patterns))
        for name in sorted(filenames):
            if _ignored(name, patterns):
                continue
            absolute = Path(directory) / name
            relative = absolute.relative_to(root).as_posix()
            if _ignored(relative, patterns):
                continue
            target = absolute.resolve()
            if not target.is_relative_to(root):
                raise click.ClickException(f"{relative} is a symlink pointing outside the "
                                           "folder; remove it or add it to .autostackignore")
            if not target.is_file():
                continue
            info = target.stat()
            mode = 0o755 if info.st_mode & stat.S_IXUSR else 0o644
            files.append(LocalFile(relative, target, sha256_file(target), info.st_size, mode))
    return files


def batches(files: list[LocalFile]) -> Iterator[list[LocalFile]]:
    """``files`` in groups of about :data:`BATCH_BYTES`; a larger file is a group of its own."""
    batch: list[LocalFile] = []
    size = 0
    for file in files:
        if batch and size + file.size > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(file)
        size += file.size
    if batch:
        yield batch


def tar_of(files: list[LocalFile]) -> bytes:
    """An uncompressed tar of ``files``, each member named by its sha256."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for file in files:
            data = file.absolute.read_bytes()
            info = tarfile.TarInfo(file.sha)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def upload_missing(client: ApiClient, project: str, files: list[LocalFile], quiet: bool) -> int:
    """Upload the files the project's team lacks, in batches sent in parallel; how many."""
    unique = {file.sha: file for file in files}
    base = f"/api/v1/projects/{project}/files"
    missing = client.post(f"{base}/missing", {"sha256": sorted(unique)})["missing"]
    to_send = [unique[sha] for sha in missing]
    if not to_send:
        return 0

    def send(batch: list[LocalFile]) -> int:
        if len(batch) == 1 and batch[0].size > BATCH_BYTES:
            client.request("PUT", f"{base}/{batch[0].sha}", content=batch[0].absolute.read_bytes(),
                           headers={"Content-Type": "application/octet-stream"})
        else:
            client.request("POST", base, content=tar_of(batch),
                           headers={"Content-Type": "application/octet-stream"})
        return sum(file.size for file in batch)

    groups = list(batches(to_send))
    if len(groups) == 1:
        send(groups[0])
        return len(to_send)
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), disable=quiet, transient=True) as bar:
        task = bar.add_task(f"Uploading {len(to_send)} files",
                            total=sum(file.size for file in to_send))
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for sent in pool.map(send, groups):
                bar.advance(task, sent)
    return len(to_send)
