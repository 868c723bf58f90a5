"""Answer one image request for a hostname: find its deployment, check, read, convert, cache.

The deployment is the one the hostname is bound to (its alias, or its own
``<project>-<id>`` hostname), found by the protection gate's lookup; a split
hostname's images come from the alias's deployment. Conversions run in
threads, at most one per CPU at a time, and one key is converted once even
when many requests ask for it together.

Limits (environment variables, read once per process):

* ``AUTOSTACK_IMAGE_CACHE_MB`` (512): the disk cache's size;
* ``AUTOSTACK_IMAGE_MAX_INPUT_MB`` (20): the largest source image;
* ``AUTOSTACK_IMAGE_MAX_PIXELS`` (40,000,000): the largest source in pixels.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from autostack_core.config import Settings
from autostack_core.images import config as images_config
from autostack_core.images import sources
from autostack_core.images.cache import DEFAULT_MAX_BYTES, Entry, ImageCache, key_of, now
from autostack_core.images.request import (
    ImageRequest,
    ImageRequestError,
    accepted_format,
    parse_query,
)
from autostack_core.images.transform import (
    EXTENSIONS,
    MAX_PIXELS,
    WRITABLE,
    ImageError,
    optimize,
)
from autostack_core.infrastructure.manifests import StoreError
from autostack_core.infrastructure.models import Deployment
from autostack_core.infrastructure.store import Store
from autostack_core.security.outbound import Outbound

FOREVER = 2**31 - 1
"""The expiry of a local file's entry: the key is its content hash, so it never goes stale."""
CONFIGS_KEPT = 64
TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


@dataclass
class Answer:
    """What the endpoint writes: a status, headers and a body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str) -> Answer:
    return Answer(
        status,
        message.encode(),
        {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"},
    )


@dataclass(frozen=True)
class Output:
    """A deployment's files and images settings, kept per manifest (they never change)."""

    files: dict[str, dict[str, Any]]
    config: images_config.ImagesConfig


def _megabytes(settings: Settings, name: str, default: int) -> int:
    raw = settings.plugin_setting(name)
    return int(raw) * 1024 * 1024 if raw and raw.isdigit() else default


class ImageService:
    """One per process: the store, the cache and the outbound guard it reads through."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store.from_settings(settings)
        self.cache = ImageCache(
            settings.path("cache", "images"),
            _megabytes(settings, "AUTOSTACK_IMAGE_CACHE_MB", DEFAULT_MAX_BYTES),
        )
        self.max_input = _megabytes(
            settings, "AUTOSTACK_IMAGE_MAX_INPUT_MB", sources.MAX_INPUT_BYTES
        )
        pixels = settings.plugin_setting("AUTOSTACK_IMAGE_MAX_PIXELS")
        self.max_pixels = int(pixels) if pixels and pixels.isdigit() else MAX_PIXELS
        self.outbound = Outbound.from_settings(settings)
        self._outputs: OrderedDict[str, Output] = OrderedDict()
        self._converting = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        self._in_flight: dict[str, asyncio.Future[Entry]] = {}

    # -- the deployment's output ------------------------------------------------------------

    def output(self, manifest_hash: str) -> Output:
        """The files and images settings of a stored output (blocking: reads the store)."""
        found = self._outputs.get(manifest_hash)
        if found is not None:
            self._outputs.move_to_end(manifest_hash)
            return found
        files: dict[str, dict[str, Any]] = self.store.load_manifest(manifest_hash)["files"]

        def read(path: str) -> bytes | None:
            entry = files.get(path)
            if entry is None:
                return None
            return sources.read_object(
                self.store.object_path(str(entry["sha256"])), images_config.MAX_CONFIG_BYTES
            )

        output = Output(files, images_config.load(list(files), read))
        self._outputs[manifest_hash] = output
        while len(self._outputs) > CONFIGS_KEPT:
            self._outputs.popitem(last=False)
        return output

    # -- one request ---------------------------------------------------------------------------

    async def answer(
        self,
        deployment: Deployment,
        query: Mapping[str, str],
        accept: str,
        if_none_match: str | None = None,
    ) -> Answer:
        """The answer for one request to ``deployment``'s hostname (see the module doc)."""
        if deployment.output_manifest_hash is None:
            return error(404, "this deployment has no stored files")
        try:
            output = await asyncio.to_thread(self.output, deployment.output_manifest_hash)
        except (StoreError, OSError, sources.SourceError):
            return error(404, "this deployment's files are no longer stored")
        try:
            request = parse_query(query, output.config)
        except ImageRequestError as bad:
            return error(400, str(bad))
        wanted = accepted_format(accept, output.config, WRITABLE)
        try:
            entry, state = await self._entry(request, wanted, output)
        except sources.SourceError as failed:
            return error(failed.status, str(failed))
        except ImageError as bad:
            return error(400, str(bad))
        headers = self._headers(request, entry, output.config, state)
        if if_none_match and entry.etag in if_none_match.replace('"', " ").split():
            return Answer(304, b"", headers)
        return Answer(200, entry.data, headers)

    def _headers(
        self, request: ImageRequest, entry: Entry, config: images_config.ImagesConfig, state: str
    ) -> dict[str, str]:
        max_age = (
            config.minimum_cache_ttl
            if entry.expires == FOREVER
            else max(config.minimum_cache_ttl, entry.expires - now())
        )
        name = PurePosixPath(urlsplit(request.url).path).stem or "image"
        extension = EXTENSIONS.get(entry.content_type, "bin")
        safe_name = "".join(c for c in name if c.isalnum() or c in "-_")[:100] or "image"
        return {
            "Content-Type": entry.content_type,
            "Cache-Control": f"public, max-age={max_age}, must-revalidate",
            "ETag": f'"{entry.etag}"',
            "Vary": "Accept",
            "Content-Disposition": f'inline; filename="{safe_name}.{extension}"',
            "Content-Security-Policy": config.content_security_policy,
            "X-Content-Type-Options": "nosniff",
            "X-AutoStack-Image-Cache": state,
        }

    async def _entry(
        self, request: ImageRequest, wanted: str | None, output: Output
    ) -> tuple[Entry, str]:
        """The cached entry (``HIT``) or a new one (``MISS``, ``STALE`` when it had expired)."""
        if request.is_local:
            path = sources.local_path(request.url)
            identity = f"sha256:{(output.files.get(path) or {}).get('sha256')}"
        else:
            sources.check_remote(request.url, output.config)
            identity = f"url:{request.url}"
        key = key_of(
            identity, request.width, request.quality, wanted or "", output.config.allow_svg
        )
        cached = await asyncio.to_thread(self.cache.get, key, TYPES)
        if cached is not None and cached.expires > now():
            return cached, "HIT"
        state = "MISS" if cached is None else "STALE"
        running = self._in_flight.get(key)
        if running is not None:
            try:
                return await asyncio.shield(running), state
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise
                return await self._entry(request, wanted, output)
        future: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            entry = await self._convert(key, request, wanted, output)
            future.set_result(entry)
            return entry, state
        except asyncio.CancelledError:
            future.cancel()  # the asking request went away: those waiting on it ask again
            raise
        except Exception as failed:
            future.set_exception(failed)
            future.exception()  # retrieved: a failure nobody else awaited is not logged
            raise
        finally:
            del self._in_flight[key]

    async def _convert(
        self, key: str, request: ImageRequest, wanted: str | None, output: Output
    ) -> Entry:
        if request.is_local:
            path = sources.local_path(request.url)
            entry_of = output.files.get(path) or {}
            object_path = self.store.object_path(str(entry_of["sha256"])) if entry_of else None
            source = await asyncio.to_thread(
                sources.local, request.url, output.files, object_path, self.max_input
            )
        else:
            source = await sources.remote(request.url, output.config, self.outbound, self.max_input)
        async with self._converting:
            result = await asyncio.to_thread(
                optimize,
                source.data,
                request.width,
                request.quality,
                wanted,
                allow_svg=output.config.allow_svg,
                max_pixels=self.max_pixels,
            )
        expires = (
            FOREVER
            if request.is_local
            else now() + max(output.config.minimum_cache_ttl, source.max_age)
        )
        etag = hashlib.sha256(result.data).hexdigest()[:32]
        entry = Entry(result.data, result.content_type, etag, expires)
        await asyncio.to_thread(self.cache.put, key, entry, EXTENSIONS[result.content_type])
        return entry


_services: dict[str, ImageService] = {}


def service_for(settings: Settings) -> ImageService:
    """The process's :class:`ImageService` for ``settings``' data folder."""
    key = str(settings.data_dir)
    found = _services.get(key)
    if found is None:
        found = _services[key] = ImageService(settings)
    return found
