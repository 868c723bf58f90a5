"""Where an image comes from: the deployment's own stored files, or an allowed remote URL.

Nothing else is read. A local ``url`` (``/photo.png``) is looked up in the
deployment's manifest under ``static/`` (what the edge serves at that path)
and read from the content store: no HTTP request, not even to the
deployment itself, and no path on disk built from the URL, so ``..``, an
encoded slash or a symlink cannot reach outside the deployment (the store
keeps no symlinks, and the object is opened with ``O_NOFOLLOW`` anyway). A
path a function or server would answer is not a file of the deployment and
is refused.

A remote ``url`` must match the deployment's ``remotePatterns`` or ``domains``,
and is fetched through :class:`~autostack_core.security.outbound.Outbound`:
every address the name resolves to is checked (loopback, private, link-local
and the rest are refused unless the operator lists them in
``AUTOSTACK_OUTBOUND_ALLOW``) and the socket goes to the checked address;
redirects are not followed; the answer must come within
:data:`FETCH_SECONDS` and be at most the input limit.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import ssrfguard

from autostack_core.images.config import ImagesConfig
from autostack_core.infrastructure.manifests import UnsafePathError, safe_relative_path
from autostack_core.security.outbound import Outbound

FETCH_SECONDS = 7.0
"""Longest wait for a remote image, connect to last byte (Next.js waits 7 s too)."""
MAX_INPUT_BYTES = 20 * 1024 * 1024
"""Largest source image read, local or remote."""
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


class SourceError(Exception):
    """The image cannot be read; ``status`` is the HTTP answer, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Source:
    data: bytes
    identity: str
    """What names the bytes for the cache: a content hash, or the remote URL."""
    max_age: int = 0
    """Seconds the source says it stays fresh (remote ``Cache-Control``; 0 for local files)."""


def local_path(url: str) -> str:
    """The manifest path of a local ``url``, or :class:`SourceError` (400) for a bad one."""
    path = unquote(urlsplit(url).path)
    try:
        relative = safe_relative_path(path.lstrip("/"))
    except UnsafePathError as error:
        raise SourceError(
            400, f'"url" parameter is not a path inside the deployment ({error.reason})'
        ) from error
    if path != "/" + relative:
        raise SourceError(400, '"url" parameter is not a path inside the deployment')
    return f"static/{relative}"


def read_object(path: Path, limit: int) -> bytes:
    """A store object's bytes, refusing a symlink or anything not a regular file."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise SourceError(400, '"url" parameter is not a file of this deployment')
        data = file.read(limit + 1)
    if len(data) > limit:
        raise SourceError(413, f"the source image is larger than {limit:,} bytes")
    return data


def local(
    url: str,
    files: dict[str, dict[str, object]],
    object_path: Path | None,
    limit: int = MAX_INPUT_BYTES,
) -> Source:
    """The deployment's own file at ``url``; ``files`` is its manifest's file list."""
    path = local_path(url)
    entry = files.get(path)
    if entry is None or object_path is None:
        raise SourceError(404, f'"url" parameter names no file of this deployment: {url}')
    size = entry.get("size")
    if isinstance(size, int) and size > limit:
        raise SourceError(413, f"the source image is larger than {limit:,} bytes")
    try:
        data = read_object(object_path, limit)
    except OSError as error:
        raise SourceError(404, f'"url" parameter names no readable file: {url}') from error
    return Source(data, f"sha256:{entry.get('sha256')}")


def check_remote(url: str, config: ImagesConfig) -> None:
    """:class:`SourceError` (400) unless ``url`` matches a configured pattern or domain."""
    parts = urlsplit(url)
    try:
        port = "" if parts.port is None else str(parts.port)
    except ValueError as error:
        raise SourceError(400, '"url" parameter is invalid') from error
    search = f"?{parts.query}" if parts.query else ""
    if (
        parts.username
        or parts.password
        or not config.allows_remote(
            parts.scheme, parts.hostname or "", port, parts.path or "/", search
        )
    ):
        raise SourceError(
            400,
            f'"url" parameter is not allowed: {parts.hostname} matches no '
            f"images.remotePatterns or images.domains of this deployment "
            f"({config.source})",
        )


async def remote(
    url: str,
    config: ImagesConfig,
    outbound: Outbound,
    limit: int = MAX_INPUT_BYTES,
    seconds: float = FETCH_SECONDS,
) -> Source:
    """An allowed remote image, fetched with the address checks, size and time limits."""
    check_remote(url, config)
    try:
        client = outbound.client(timeout=httpx.Timeout(seconds), follow_redirects=False)
        request = client.stream("GET", url, headers={"Accept": "image/*"})
        async with asyncio.timeout(seconds), client, request as response:
            if response.status_code != 200:
                raise SourceError(
                    502 if response.status_code != 404 else 404,
                    f"the upstream image answered {response.status_code}",
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise SourceError(413, f"the source image is larger than {limit:,} bytes")
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > limit:
                    raise SourceError(413, f"the source image is larger than {limit:,} bytes")
                chunks.append(chunk)
            cache_control = response.headers.get("cache-control", "")
    except ssrfguard.SSRFGuardError as error:
        raise SourceError(
            400,
            f'"url" parameter is not allowed: {outbound.explain(error, urlsplit(url).hostname)}',
        ) from error
    except (TimeoutError, httpx.TimeoutException) as error:
        raise SourceError(504, f"the upstream image did not arrive within {seconds:g} s") from error
    except httpx.HTTPError as error:
        raise SourceError(
            502, f"the upstream image could not be fetched: {type(error).__name__}"
        ) from error
    found = _MAX_AGE.search(cache_control)
    no_store = "no-store" in cache_control.lower() or "no-cache" in cache_control.lower()
    return Source(
        b"".join(chunks), f"url:{url}", 0 if found is None or no_store else int(found.group(1))
    )
