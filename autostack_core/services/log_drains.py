"""A project's log drains: their settings, checked, sealed and audited.

A drain is a request the server makes to a URL a user typed, so the URL is an SSRF
risk and is checked twice: here when it is saved, and by the delivery's client on
every connection (:mod:`autostack_core.security.outbound`, one DNS lookup, every
answer checked, the socket opened to the checked address). A drain URL must be
``https://`` to a public address. Operators open private networks with
``AUTOSTACK_OUTBOUND_ALLOW`` (as for notifiers and git remotes); plain ``http://``
is refused unless ``AUTOSTACK_DRAINS_ALLOW_HTTP_LOOPBACK=1`` and the host is a
loopback address (a collector beside the server, tests). ``AUTOSTACK_DRAINS_CA_FILE``
adds a CA bundle that drain endpoints' certificates may chain to (a private CA).

The request headers (an API key) are sealed at rest as one JSON object; the API and
the dashboard show their names only.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import LogDrain
from autostack_core.security.outbound import Outbound, OutboundError, destination
from autostack_core.services import audit

if TYPE_CHECKING:
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Project, User

KINDS = ("ndjson", "otlp")
"""``ndjson``: a POST of newline-delimited JSON records; ``otlp``: OTLP/HTTP protobuf."""
SOURCES = ("build", "runtime", "edge")
MAX_DRAINS = 10
MAX_HEADERS = 20
ALLOW_HTTP_LOOPBACK = "AUTOSTACK_DRAINS_ALLOW_HTTP_LOOPBACK"
CA_FILE = "AUTOSTACK_DRAINS_CA_FILE"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
_FORBIDDEN_HEADERS = {"host", "content-length", "content-type", "transfer-encoding", "connection"}


def setting(settings: Settings, name: str) -> str:
    return settings.plugin_settings.get(name, "")


def http_loopback_allowed(settings: Settings) -> bool:
    return setting(settings, ALLOW_HTTP_LOOPBACK).lower() in ("1", "true", "yes")


async def check_url(settings: Settings, url: str) -> str:
    """The drain URL if the server may post to it, else a 422 naming ``url``."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ApiError(422, "url: give an https:// URL with a host", "url")
    if parts.username or parts.password:
        raise ApiError(422, "url: put credentials in a header, not in the URL", "url")
    if len(url) > 2000:
        raise ApiError(422, "url: at most 2000 characters", "url")
    if parts.scheme == "http" and not (
        http_loopback_allowed(settings) and _is_loopback(parts.hostname)
    ):
        raise ApiError(
            422,
            "url: must be https:// (http:// only to a loopback address, "
            f"when the operator sets {ALLOW_HTTP_LOOPBACK}=1)",
            "url",
        )
    try:
        await Outbound.from_settings(settings).check(*destination(url))
    except OutboundError as error:
        raise ApiError(422, f"url: {error}", "url") from error
    return url


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def checked_headers(headers: Any) -> dict[str, str]:
    """Request headers as names and values; a bad one is a 422 naming ``headers``."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping) or len(headers) > MAX_HEADERS:
        raise ApiError(
            422, f"headers: an object of at most {MAX_HEADERS} names and values", "headers"
        )
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER.match(name):
            raise ApiError(422, f"headers: {name!r} is not a header name", "headers")
        if name.lower() in _FORBIDDEN_HEADERS:
            raise ApiError(422, f"headers: {name} is set by the server", "headers")
        if not isinstance(value, str) or len(value) > 4000 or any(c in value for c in "\r\n\0"):
            raise ApiError(422, f"headers: the value of {name} must be one line of text", "headers")
        checked[name] = value
    return checked


def checked_sources(sources: Any) -> list[str]:
    if sources is None:
        return list(SOURCES)
    if (
        not isinstance(sources, list)
        or not sources
        or any(source not in SOURCES for source in sources)
    ):
        raise ApiError(422, f"sources: a non-empty list of {', '.join(SOURCES)}", "sources")
    return [source for source in SOURCES if source in sources]


def headers_of(drain: LogDrain) -> dict[str, str]:
    """The drain's request headers, unsealed (for delivery only)."""
    sealed = drain.headers_json
    return dict(json.loads(sealed)) if sealed else {}


def _public(drain: LogDrain) -> dict[str, Any]:
    """What the audit log keeps of a drain (headers by name)."""
    return {
        "name": drain.name,
        "kind": drain.kind,
        "url": drain.url,
        "sources": drain.sources,
        "enabled": drain.enabled,
        "headers": sorted(headers_of(drain)),
    }


def drain_json(drain: LogDrain) -> dict[str, Any]:
    """A drain as the API and the dashboard show it: header names, never their values."""
    return {
        "id": drain.id,
        **_public(drain),
        "sent": drain.sent,
        "dropped": drain.dropped,
        "last_error": drain.last_error,
        "last_delivery_at": drain.last_delivery_at.isoformat() if drain.last_delivery_at else None,
        "created_at": drain.created_at.isoformat(),
    }


async def drains_of(project: Project) -> list[LogDrain]:
    return list(await LogDrain.filter(project_id=project.id).order_by("id"))


async def drain_named(project: Project, name: str) -> LogDrain:
    drain = await LogDrain.get_or_none(project_id=project.id, name=name[:64])
    if drain is None:
        raise NotFound("log drain", "name")
    return drain


async def create(
    settings: Settings, user: User, project: Project, values: Mapping[str, Any]
) -> LogDrain:
    """Check every field, then save the drain (audited): nothing is saved on a bad field."""
    name = str(values.get("name") or "").strip().lower()
    if not _NAME.match(name):
        raise ApiError(422, "name: lowercase letters, digits and dashes, up to 64", "name")
    kind = values.get("kind") or "ndjson"
    if kind not in KINDS:
        raise ApiError(422, f"kind: one of {', '.join(KINDS)}", "kind")
    sources = checked_sources(values.get("sources"))
    headers = checked_headers(values.get("headers"))
    url = await check_url(settings, str(values.get("url") or ""))
    if await LogDrain.filter(project_id=project.id, name=name).exists():
        raise ApiError(409, f"name: the project already has a drain called {name}", "name")
    if await LogDrain.filter(project_id=project.id).count() >= MAX_DRAINS:
        raise ApiError(409, f"name: a project has at most {MAX_DRAINS} drains", "name")
    drain = LogDrain(project_id=project.id, name=name, kind=kind, url=url, sources=sources)
    drain.headers_json = json.dumps(headers) if headers else None
    await drain.save()
    await audit.record(
        "log_drain.created",
        team=project.team_id,  # type: ignore[attr-defined]
        target=("log_drain", str(drain.id)),
        after=_public(drain),
        actor=user,
        project=project.name,
    )
    return drain


async def update(
    settings: Settings, user: User, project: Project, drain: LogDrain, values: Mapping[str, Any]
) -> LogDrain:
    """Change ``url``, ``sources``, ``headers`` (replaced as a whole) or ``enabled``."""
    before = _public(drain)
    sources = checked_sources(values["sources"]) if "sources" in values else drain.sources
    headers = checked_headers(values["headers"]) if "headers" in values else None
    url = await check_url(settings, str(values["url"])) if "url" in values else drain.url
    enabled = values.get("enabled", drain.enabled)
    if not isinstance(enabled, bool):
        raise ApiError(422, "enabled: true or false", "enabled")
    drain.url, drain.sources, drain.enabled = url, sources, enabled
    if headers is not None:
        drain.headers_json = json.dumps(headers) if headers else None
    await drain.save()
    await audit.record(
        "log_drain.updated",
        team=project.team_id,  # type: ignore[attr-defined]
        target=("log_drain", str(drain.id)),
        before=before,
        after=_public(drain),
        actor=user,
        project=project.name,
    )
    return drain


async def delete(user: User, project: Project, drain: LogDrain) -> None:
    before = _public(drain)
    await drain.delete()
    await audit.record(
        "log_drain.deleted",
        team=project.team_id,  # type: ignore[attr-defined]
        target=("log_drain", str(drain.id)),
        before=before,
        actor=user,
        project=project.name,
    )
