"""Folder uploads: send the server the files it lacks, in as few requests as it takes.

What is missing goes in batches (one tar per :data:`BATCH_BYTES` or so, its
members named by their sha256, ``POST /api/v1/projects/{name}/files``); a file
larger than a batch goes alone in a ``PUT``. A server older than the batch route
gets one ``PUT`` per file. Hashing the folder is :mod:`autostack_core.cli.folder_scan`.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import click

from autostack_core.cli.api_client import ApiClient, Response, error_message
from autostack_core.cli.folder_scan import LocalFile

UPLOAD_THREADS = 8
BATCH_BYTES = 8 * 1024 * 1024


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
    """Upload the files the project's team lacks; how many."""
    unique = {file.sha: file for file in files}
    missing = client.post(f"/api/v1/projects/{project}/files/missing",
                          {"sha256": sorted(unique)})["missing"]
    to_send = [unique[sha] for sha in missing]
    send_files(client, project, to_send, quiet)
    return len(to_send)


def send_files(client: ApiClient, project: str, files: list[LocalFile], quiet: bool) -> None:
    """Upload ``files``, in batches sent in parallel (one ``PUT`` each to an older server)."""
    if not files:
        return
    base = f"/api/v1/projects/{project}/files"
    old_server: list[bool] = []

    def put(file: LocalFile) -> None:
        client.request("PUT", f"{base}/{file.sha}", content=file.absolute.read_bytes(),
                       headers={"Content-Type": "application/octet-stream"})

    def send(batch: list[LocalFile]) -> int:
        if len(batch) == 1 and batch[0].size > BATCH_BYTES:
            put(batch[0])
        elif old_server:
            for file in batch:
                put(file)
        else:
            response = client.response("POST", base, content=tar_of(batch),
                                       headers={"Content-Type": "application/octet-stream"})
            if batch_refused(response):
                if not old_server:
                    old_server.append(True)
                    if not quiet:
                        click.echo(f"{server_name(client)} takes no batch uploads: sending "
                                   "the files one by one", err=True)
                for file in batch:
                    put(file)
            elif response.status_code >= 400:
                raise click.ClickException(error_message(response))
        return sum(file.size for file in batch)

    groups = list(batches(files))
    if len(groups) == 1:
        send(groups[0])
        return
    # Only a first deploy of more than one batch needs these (logging comes with the pool).
    from concurrent.futures import ThreadPoolExecutor

    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), disable=quiet, transient=True) as bar:
        task = bar.add_task(f"Uploading {len(files)} files",
                            total=sum(file.size for file in files))
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for sent in pool.map(send, groups):
                bar.advance(task, sent)


def batch_refused(response: Response) -> bool:
    """Whether a batch ``POST`` failed for want of the route (a server older than it: 404 or
    405 naming no field, unlike an unknown project's) or for its size (413 other than the
    team's quota: a server with a small upload limit, or one older than the route's limit);
    one ``PUT`` per file may still pass."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    if response.status_code in (404, 405):
        return error.get("field") is None
    return response.status_code == 413 and error.get("code") != "quota_exceeded"


def server_name(client: ApiClient) -> str:
    """``The server at URL (AutoStack VERSION)``, the version as its health check says."""
    response = client.response("GET", "/api/v1/health")
    try:
        version = f" (AutoStack {response.json()['version']})"
    except (ValueError, KeyError, TypeError):
        version = ""
    return f"The server at {client.server}{version}"


UPLOADED = Path(".autostack") / "uploaded.json"


def uploaded_before(directory: Path, server: str, project: str) -> set[str] | None:
    """The sha256 of the files the last deploy of ``directory`` sent to this server's
    ``project`` (its deployment keeps them there), or None when it went elsewhere."""
    try:
        data = json.loads((directory / UPLOADED).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or [data.get("server"), data.get("project")] != [
            server, project] or not isinstance(data.get("sha256"), list):
        return None
    return {sha for sha in data["sha256"] if isinstance(sha, str)}


def remember_uploaded(directory: Path, server: str, project: str, files: list[LocalFile]) -> None:
    """Note what this deploy's deployment holds, for the next deploy's guess."""
    path = directory / UPLOADED
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"server": server, "project": project,
                                    "sha256": sorted({file.sha for file in files})}))
    except OSError:
        return
