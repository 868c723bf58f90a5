"""A deployment's images settings, read from its stored build output.

Where they come from, first found wins:

* the Build Output ``config.json``'s ``images`` (Vercel's format; the static
  builder copies ``vercel.json``'s ``images`` there): ``sizes``, ``formats``,
  ``qualities``, ``remotePatterns``, ``domains``, ``minimumCacheTTL``,
  ``dangerouslyAllowSVG``, ``contentSecurityPolicy``;
* Next.js's build files under ``server/``: ``.next/images-manifest.json``, else
  the ``images`` of ``.next/required-server-files.json``; the sizes are
  ``deviceSizes`` plus ``imageSizes``, as ``next/image`` asks for them;
* else Next.js's defaults (:data:`DEFAULT_SIZES`, WebP, 60 s).

A value of the wrong type is ignored with the default kept: the file is the
deployment's, written by its build, and is never trusted further than that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEVICE_SIZES = (640, 750, 828, 1080, 1200, 1920, 2048, 3840)
IMAGE_SIZES = (16, 32, 48, 64, 96, 128, 256, 384)
DEFAULT_SIZES = tuple(sorted({*DEVICE_SIZES, *IMAGE_SIZES}))
"""Next.js's ``deviceSizes`` and ``imageSizes``: the widths ``next/image`` asks for."""
FORMATS = ("image/avif", "image/webp")
"""The output formats that may be configured (besides the source's own)."""
DEFAULT_TTL = 60
"""Seconds an optimized image is fresh when the configuration names none (Next.js's)."""
MAX_SIZE = 8192
DEFAULT_CSP = "script-src 'none'; frame-src 'none'; sandbox;"
NEXT_FILES = (".next/images-manifest.json", ".next/required-server-files.json")
MAX_CONFIG_BYTES = 4 * 1024 * 1024

ReadFile = Callable[[str], bytes | None]
"""Reads one file of the deployment's output by its relative path (``None``: no such file)."""


@dataclass(frozen=True)
class RemotePattern:
    """One allowed remote source, as ``images.remotePatterns`` writes it (globs in strings)."""

    hostname: str
    protocol: str | None = None
    port: str | None = None
    pathname: str | None = None
    search: str | None = None

    def matches(self, protocol: str, hostname: str, port: str, path: str, search: str) -> bool:
        """Whether a URL's parts are allowed by this pattern (Next.js's ``matchRemotePattern``)."""
        if self.protocol is not None and self.protocol.rstrip(":") != protocol:
            return False
        if self.port is not None and self.port != port:
            return False
        if self.search is not None and self.search != search:
            return False
        if not _glob(self.hostname, ".").fullmatch(hostname.lower()):
            return False
        return _glob(self.pathname or "**", "/").fullmatch(path) is not None


def _glob(pattern: str, separator: str) -> re.Pattern[str]:
    """``**`` any text, ``*`` any text without ``separator`` (a host label, a path segment)."""
    parts = re.split(r"(\*\*|\*)", pattern)
    text = "".join(
        ".*" if part == "**" else f"[^{re.escape(separator)}]*" if part == "*" else re.escape(part)
        for part in parts
    )
    return re.compile(text, re.IGNORECASE if separator == "." else 0)


@dataclass(frozen=True)
class ImagesConfig:
    """What the image endpoints allow for one deployment."""

    sizes: tuple[int, ...] = DEFAULT_SIZES
    formats: tuple[str, ...] = ("image/webp",)
    qualities: tuple[int, ...] = ()
    """Allowed ``q`` values; empty: any of 1-100."""
    remote_patterns: tuple[RemotePattern, ...] = ()
    domains: tuple[str, ...] = ()
    minimum_cache_ttl: int = DEFAULT_TTL
    allow_svg: bool = False
    content_security_policy: str = DEFAULT_CSP
    source: str = "defaults"
    """Which file the settings came from, for error messages and logs."""
    ignored: tuple[str, ...] = field(default=(), compare=False)

    def allows_remote(
        self, protocol: str, hostname: str, port: str, path: str, search: str
    ) -> bool:
        if protocol in ("http", "https") and hostname.lower() in self.domains:
            return True
        return any(
            pattern.matches(protocol, hostname, port, path, search)
            for pattern in self.remote_patterns
        )


def _ints(value: Any, low: int, high: int) -> tuple[int, ...] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(
        isinstance(item, int) and not isinstance(item, bool) and low <= item <= high
        for item in value
    ):
        return None
    return tuple(sorted(set(value)))


def _pattern(value: Any) -> RemotePattern | None:
    if (
        not isinstance(value, Mapping)
        or not isinstance(value.get("hostname"), str)
        or not value["hostname"]
    ):
        return None
    strings = {key: value.get(key) for key in ("protocol", "port", "pathname", "search")}
    if not all(item is None or isinstance(item, str) for item in strings.values()):
        return None
    # An empty string in a pattern means "any" in Next.js's own matcher too.
    kept = {key: item or None for key, item in strings.items()}
    return RemotePattern(hostname=value["hostname"], **kept)


def parse(images: Mapping[str, Any], source: str, sizes: Any = None) -> ImagesConfig:
    """An :class:`ImagesConfig` from an ``images`` object; ``sizes`` overrides its own."""
    ignored: list[str] = []

    def take(name: str, value: Any, check: Callable[[Any], Any]) -> Any:
        if value is None:
            return None
        checked = check(value)
        if checked is None:
            ignored.append(name)
        return checked

    if (
        sizes is None
        and "sizes" not in images
        and ("deviceSizes" in images or "imageSizes" in images)
    ):
        sizes = [*(images.get("deviceSizes") or []), *(images.get("imageSizes") or [])]
    found_sizes = take(
        "sizes",
        sizes if sizes is not None else images.get("sizes"),
        lambda v: _ints(v, 1, MAX_SIZE),
    )
    formats = take(
        "formats",
        images.get("formats"),
        lambda v: tuple(v) if isinstance(v, list) and all(item in FORMATS for item in v) else None,
    )
    qualities = take("qualities", images.get("qualities"), lambda v: _ints(v, 1, 100))
    patterns_raw = images.get("remotePatterns")
    patterns = take(
        "remotePatterns",
        patterns_raw,
        lambda v: (
            tuple(p for p in (_pattern(item) for item in v) if p is not None)
            if isinstance(v, list)
            else None
        ),
    )
    domains = take(
        "domains",
        images.get("domains"),
        lambda v: (
            tuple(item.lower() for item in v if isinstance(item, str) and item)
            if isinstance(v, list)
            else None
        ),
    )
    ttl = take(
        "minimumCacheTTL",
        images.get("minimumCacheTTL"),
        lambda v: v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None,
    )
    csp = take(
        "contentSecurityPolicy",
        images.get("contentSecurityPolicy"),
        lambda v: v if isinstance(v, str) and v and "\n" not in v else None,
    )
    return ImagesConfig(
        sizes=found_sizes or DEFAULT_SIZES,
        formats=formats if formats is not None else ("image/webp",),
        qualities=qualities or (),
        remote_patterns=patterns or (),
        domains=domains or (),
        minimum_cache_ttl=DEFAULT_TTL if ttl is None else ttl,
        allow_svg=images.get("dangerouslyAllowSVG") is True,
        content_security_policy=csp or DEFAULT_CSP,
        source=source,
        ignored=tuple(ignored),
    )


def _json(read: ReadFile, path: str) -> Any:
    data = read(path)
    if data is None or len(data) > MAX_CONFIG_BYTES:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def next_files(paths: list[str]) -> list[str]:
    """Next.js's build files among a deployment's ``paths``, the app's own first (least deep)."""
    found = [
        path
        for path in paths
        if path.startswith("server/") and path.endswith(NEXT_FILES) and "/node_modules/" not in path
    ]
    return sorted(
        found,
        key=lambda path: (
            path.count("/"),
            NEXT_FILES.index(next(name for name in NEXT_FILES if path.endswith(name))),
            path,
        ),
    )


def load(paths: list[str], read: ReadFile) -> ImagesConfig:
    """The images settings of a deployment whose output holds ``paths``; see the module doc."""
    config = _json(read, "config.json") if "config.json" in paths else None
    if isinstance(config, dict) and isinstance(config.get("images"), dict):
        return parse(config["images"], "config.json")
    for path in next_files(paths):
        data = _json(read, path)
        if not isinstance(data, dict):
            continue
        if path.endswith("images-manifest.json") and isinstance(data.get("images"), dict):
            return parse(data["images"], path)
        images = (
            (data.get("config") or {}).get("images")
            if isinstance(data.get("config"), dict)
            else None
        )
        if isinstance(images, dict):
            return parse(images, path)
    return ImagesConfig()
