"""The query of an image request (``url``, ``w``, ``q``) and the format ``Accept`` picks.

The rules and messages are Next.js's image optimizer's (``ImageOptimizerCache.validateParams``),
which Vercel's ``/_vercel/image`` follows: ``url`` is a path on the deployment
(``/photo.png``) or an absolute ``http(s)`` URL; ``w`` one of the configured
sizes; ``q`` a number from 1 to 100 (one of ``qualities`` when configured).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from autostack_core.images.config import ImagesConfig

ENDPOINTS = ("/_vercel/image", "/_next/image")
MAX_URL_LENGTH = 3072


class ImageRequestError(ValueError):
    """A bad image request: the message names the parameter, as Next.js's does (a 400)."""


@dataclass(frozen=True)
class ImageRequest:
    url: str
    width: int
    quality: int

    @property
    def is_local(self) -> bool:
        return self.url.startswith("/")


def _number(name: str, label: str, raw: str | None) -> int:
    if raw is None or raw == "":
        raise ImageRequestError(f'"{name}" parameter ({label}) is required')
    if not raw.isdigit() or len(raw) > 6:
        raise ImageRequestError(
            f'"{name}" parameter ({label}) must be an integer greater than 0'
            if name == "w"
            else f'"{name}" parameter ({label}) must be an integer between 1 and 100'
        )
    return int(raw)


def parse_query(query: Mapping[str, str], config: ImagesConfig) -> ImageRequest:
    """The checked request, or :class:`ImageRequestError` naming the parameter."""
    url = query.get("url")
    if not url:
        raise ImageRequestError('"url" parameter is required')
    if len(url) > MAX_URL_LENGTH:
        raise ImageRequestError(f'"url" parameter is longer than {MAX_URL_LENGTH} characters')
    if url.startswith("//"):
        raise ImageRequestError('"url" parameter cannot be a protocol-relative URL (//)')
    if url.startswith("/"):
        if "\\" in url or "\0" in url:
            raise ImageRequestError('"url" parameter is invalid')
        if urlsplit(url).path.startswith(ENDPOINTS):
            raise ImageRequestError('"url" parameter cannot be recursive')
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageRequestError('"url" parameter is invalid')
    width = _number("w", "width", query.get("w"))
    if width <= 0:
        raise ImageRequestError('"w" parameter (width) must be an integer greater than 0')
    if width not in config.sizes:
        raise ImageRequestError(
            f'"w" parameter (width) of {width} is not allowed; the '
            f"allowed widths are {', '.join(map(str, config.sizes))}"
        )
    quality = _number("q", "quality", query.get("q"))
    if not 1 <= quality <= 100:
        raise ImageRequestError('"q" parameter (quality) must be an integer between 1 and 100')
    if config.qualities and quality not in config.qualities:
        raise ImageRequestError(
            f'"q" parameter (quality) of {quality} is not allowed; the '
            f"allowed qualities are {', '.join(map(str, config.qualities))}"
        )
    return ImageRequest(url=url, width=width, quality=quality)


def accepted_format(
    accept: str, config: ImagesConfig, available: tuple[str, ...] = ("image/avif", "image/webp")
) -> str | None:
    """The first configured format the client accepts (``image/avif``, ``image/webp``), or None.

    ``None`` keeps the source's own format; a format this machine cannot write
    (not in ``available``) is skipped. A type listed with ``q=0`` is refused, as
    HTTP says; ``*/*`` or ``image/*`` alone does not count (browsers that send only
    those, like old Safari, may not decode WebP or AVIF), as in Next.js.
    """
    listed: dict[str, float] = {}
    for item in accept.lower().split(","):
        media, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        listed[media] = weight
    for wanted in config.formats:
        if wanted in available and listed.get(wanted, 0.0) > 0:
            return wanted
    return None
