"""The marketplace catalog: plugins and templates one can install, read from a JSON index.

The index is a document ``{"catalog": 1, "entries": [...]}``; each entry has a ``name``,
a ``kind`` (one of :data:`KINDS`), a ``description``, a ``package`` (a pip requirement
name, extras allowed: ``autostack[gcp]``), a ``version``, and optionally ``frameworks``
(a list of framework slugs), ``template`` (the slug a template package registers),
``homepage`` (an https URL) and ``install`` (the ``pip install`` line, derived from
``package`` when absent). AutoStack ships ``catalog.json`` beside this module;
``AUTOSTACK_CATALOG_URL`` names another one, as a path or an ``https://`` URL fetched
through the outbound checks (:mod:`autostack_core.security.outbound`).

A document that cannot be read or breaks the schema is never half-used: loading returns
the error, naming the entry and field, and no entries.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ssrfguard

from autostack_core.config import Settings
from autostack_core.security.outbound import Outbound, OutboundError

DEFAULT_CATALOG = Path(__file__).with_name("catalog.json")
KINDS = ("detector", "builder", "runtime", "edge", "notifier", "template", "service")
MAX_BYTES = 1024 * 1024
"""A larger document is refused: a catalog lists packages, not their contents."""
URL_TTL_SECONDS = 300.0
"""How long a fetched catalog is reused before it is fetched again."""
FETCH_SECONDS = 10.0
_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*\])?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_UNSAFE = re.compile(r"[;&|`$<>\\\n\r]")
_cache: dict[str, tuple[float, Catalog]] = {}


class CatalogError(ValueError):
    """A catalog that cannot be used; the message names where and why."""


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    kind: str
    description: str
    package: str
    version: str
    install: str
    frameworks: tuple[str, ...] = ()
    template: str = ""
    homepage: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["frameworks"] = list(self.frameworks)
        return data


@dataclass
class Catalog:
    source: str
    entries: list[CatalogEntry] = field(default_factory=list)
    error: str | None = None


def _text(raw: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise CatalogError(f"{where}: {key} must be a non-empty string")
    if len(value) > 500:
        raise CatalogError(f"{where}: {key} is longer than 500 characters")
    return value.strip()


def parse_entry(raw: Any, index: int) -> CatalogEntry:
    """One entry of the index, checked field by field."""
    where = f"entries[{index}]"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: must be an object")
    kind = _text(raw, "kind", where)
    if kind not in KINDS:
        raise CatalogError(f"{where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    package = _text(raw, "package", where)
    if not _REQUIREMENT.match(package):
        raise CatalogError(f"{where}: package {package!r} is not a pip requirement name")
    install = _text(raw, "install", where, required=False) or f"pip install {package}"
    if not install.startswith("pip install ") or _UNSAFE.search(install):
        raise CatalogError(f"{where}: install must be a plain 'pip install ...' line")
    frameworks = raw.get("frameworks", [])
    if not isinstance(frameworks, list) or not all(
            isinstance(item, str) and _SLUG.match(item) for item in frameworks):
        raise CatalogError(f"{where}: frameworks must be a list of framework slugs")
    template = _text(raw, "template", where, required=kind == "template")
    if template and not _SLUG.match(template):
        raise CatalogError(f"{where}: template {template!r} is not a template slug")
    homepage = _text(raw, "homepage", where, required=False)
    if homepage and urlsplit(homepage).scheme != "https":
        raise CatalogError(f"{where}: homepage must be an https:// URL")
    return CatalogEntry(
        name=_text(raw, "name", where), kind=kind, description=_text(raw, "description", where),
        package=package, version=_text(raw, "version", where), install=install,
        frameworks=tuple(frameworks), template=template, homepage=homepage)


def parse_catalog(text: str | bytes) -> list[CatalogEntry]:
    """The entries of an index document, or :class:`CatalogError` for the first fault."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise CatalogError(f"not JSON: {error}") from error
    if not isinstance(data, dict) or data.get("catalog") != 1:
        raise CatalogError('the document must be an object with "catalog": 1')
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise CatalogError('"entries" must be a list')
    return [parse_entry(raw, index) for index, raw in enumerate(entries)]


async def _fetch(settings: Settings, url: str) -> bytes:
    if urlsplit(url).scheme != "https":
        raise CatalogError("AUTOSTACK_CATALOG_URL must be a path or an https:// URL")
    outbound = Outbound.from_settings(settings)
    try:
        async with outbound.client(timeout=FETCH_SECONDS, follow_redirects=True) as http:
            response = await http.get(url)
    except ssrfguard.SSRFGuardError as error:
        raise CatalogError(str(Outbound.explain(error, urlsplit(url).hostname))) from error
    except (OSError, OutboundError) as error:
        raise CatalogError(f"{url} cannot be fetched: {error}") from error
    except Exception as error:  # httpx's transport errors share no base with OSError
        raise CatalogError(f"{url} cannot be fetched: {type(error).__name__}: {error}") \
            from error
    if response.status_code != 200:
        raise CatalogError(f"{url} answered HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES:
        raise CatalogError(f"{url} is larger than {MAX_BYTES} bytes")
    return response.content


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CatalogError(f"{path} is larger than {MAX_BYTES} bytes")
        return path.read_bytes()
    except OSError as error:
        raise CatalogError(f"{path} cannot be read: {error.strerror or error}") from error


async def load_catalog(settings: Settings) -> Catalog:
    """The configured catalog (the shipped one by default); never raises.

    A path is read again when its modification time changes; a URL is fetched at most
    every :data:`URL_TTL_SECONDS`, errors included, so a broken index is not hammered.
    """
    source = settings.catalog_url or str(DEFAULT_CATALOG)
    is_url = "://" in source
    stamp = time.monotonic() if is_url else _mtime(Path(source))
    cached = _cache.get(source)
    if cached is not None and (
            stamp - cached[0] < URL_TTL_SECONDS if is_url else stamp == cached[0]):
        return cached[1]
    try:
        raw = await _fetch(settings, source) if is_url else _read(Path(source))
        catalog = Catalog(source=source, entries=parse_catalog(raw))
    except CatalogError as error:
        catalog = Catalog(source=source, error=f"catalog {source}: {error}")
    _cache[source] = (stamp, catalog)
    return catalog


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def search(entries: list[CatalogEntry], kind: str = "", framework: str = "",
           query: str = "") -> list[CatalogEntry]:
    """The entries of ``kind`` for ``framework`` whose name or description has ``query``."""
    words = query.lower().split()
    return [entry for entry in entries
            if (not kind or entry.kind == kind)
            and (not framework or framework in entry.frameworks)
            and all(word in f"{entry.name} {entry.description} {entry.package}".lower()
                    for word in words)]


def frameworks_of(entries: list[CatalogEntry]) -> list[str]:
    """Every framework an entry names, for the search form."""
    return sorted({framework for entry in entries for framework in entry.frameworks})
