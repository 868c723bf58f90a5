"""A project's uptime checks: their settings, what is checked, and what they found.

Public (:mod:`autostack_core.public`): the uptime plugin
(``autostack_plugins.uptime``) sends the checks and opens and closes the
incidents; this module holds what both it and the dashboard read and change.

Settings live in ``Project.settings["uptime"]`` (:data:`DEFAULTS` for what is
not set): checks are on unless turned off, every ``interval`` seconds (whole
minutes: the queue's scheduler ticks once a minute) on ``path``, each with a
``timeout``; ``failures`` consecutive failed checks open an incident (2: one
blip is none). A 5xx spike is ``errors_min`` or more 5xx answers making at
least ``errors_percent`` of the edge's requests for the hostname in the last
``errors_window`` seconds.

Only the project's own production hostnames are checked (:func:`production_hostnames`:
the production alias and the custom domains that follow it), never a URL a
user gives: settings name a path, not a host.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q
from tortoise.functions import Count

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, AliasKind, Project
from autostack_core.infrastructure.models.uptime import UptimeCheck, UptimeIncident
from autostack_core.interfaces.runtime import ReleaseStatus
from autostack_core.security import accounts
from autostack_core.services import deployments, releases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import User

INTERVALS = (60, 120, 300, 600, 900, 1800, 3600)
"""Check intervals a project may choose, in seconds."""
PATH_LIMIT = 512
INCIDENT_LIMIT = 50
CHECK_LIMIT = 60
DOWN = "down"
ERRORS = "errors"
CAUSES = ("status", "timeout", "connection", "errors")


@dataclass(frozen=True)
class UptimeSettings:
    enabled: bool = True
    path: str = "/"
    interval: int = 60
    timeout: int = 10
    failures: int = 2
    errors_percent: int = 10
    errors_min: int = 10
    errors_window: int = 300


DEFAULTS = UptimeSettings()
_BOUNDS = {
    "timeout": (1, 30),
    "failures": (1, 10),
    "errors_percent": (1, 100),
    "errors_min": (1, 100_000),
    "errors_window": (60, 3600),
}


def settings_json(config: UptimeSettings) -> dict[str, Any]:
    return asdict(config)


def settings_of(project: Project) -> UptimeSettings:
    """The project's uptime settings, defaults for what it did not set."""
    stored = (project.settings or {}).get("uptime") or {}
    known = {field.name for field in fields(UptimeSettings)}
    return UptimeSettings(**{key: value for key, value in stored.items() if key in known})


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(422, f"{name}: enter a whole number", name)
    try:
        return int(value)
    except ValueError:
        raise ApiError(422, f"{name}: enter a whole number", name) from None


def checked_path(value: object) -> str:
    """``value`` as a check path (``/``, ``/health?deep=1``); else a 422 naming ``path``."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or value.startswith("//")
        or len(value) > PATH_LIMIT
        or "#" in value
        or any(char.isspace() or ord(char) < 32 for char in value)
    ):
        raise ApiError(
            422,
            "path: a path on the site, starting with a single / "
            f"(no spaces, no #, at most {PATH_LIMIT} characters)",
            "path",
        )
    return value


def checked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` to the uptime settings, checked (422 naming the first bad field)."""
    known = {field.name for field in fields(UptimeSettings)}
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in known:
            raise ApiError(422, f"{name}: not an uptime setting", name)
        if name == "enabled":
            if not isinstance(value, bool):
                raise ApiError(422, "enabled: true or false", name)
            checked[name] = value
        elif name == "path":
            checked[name] = checked_path(value)
        elif name == "interval":
            number = _whole(name, value)
            if number not in INTERVALS:
                raise ApiError(
                    422,
                    "interval: one of "
                    + ", ".join(str(seconds) for seconds in INTERVALS)
                    + " seconds",
                    name,
                )
            checked[name] = number
        else:
            low, high = _BOUNDS[name]
            number = _whole(name, value)
            if not low <= number <= high:
                raise ApiError(422, f"{name}: from {low} to {high}", name)
            checked[name] = number
    return checked


async def change_settings(
    project: Project, changes: dict[str, Any], user: User, ip: str = ""
) -> UptimeSettings:
    """``user`` changes the project's uptime settings (admin, checked by the caller):
    checked, persisted, audited as ``project.uptime_changed``. Turning checks off
    ends the project's open incidents (no notification: nobody watches any more)."""
    checked = checked_changes(changes)
    before = settings_of(project)
    after = UptimeSettings(**{**asdict(before), **checked})
    project.settings = {**(project.settings or {}), "uptime": asdict(after)}
    await project.save(update_fields=["settings", "updated_at"])
    if not after.enabled:
        await UptimeIncident.filter(project=project, ended_at__isnull=True).update(
            ended_at=datetime.now(UTC), open_key=None
        )
    await accounts.audit(
        "project.uptime_changed",
        user=user,
        team=await project.team,
        target=("project", str(project.id)),
        ip=ip,
        before={key: value for key, value in asdict(before).items() if key in checked},
        after=checked,
    )
    return after


async def production_asleep(app: AutoStack, project: Project) -> bool:
    """Whether ``project``'s production is scaled to zero (its ``scale_to_zero`` setting)
    and asleep now: a check, a request through the edge, would wake it every interval,
    so none is sent; the next visitor wakes it."""
    if not releases.policy_for(project).scale_to_zero:
        return False
    production = await deployments.production_deployment(app, project)
    if production is None:
        return False
    return await releases.status(app, project, production) == ReleaseStatus.ASLEEP


async def production_hostnames(app: AutoStack, project: Project) -> list[str]:
    """The hostnames serving ``project``'s production: the production alias, then the
    custom domains pointing at the same deployment that follow no branch. Empty
    while production points nowhere."""
    production = deployments.production_hostname(project.name, app.settings.base_domain)
    alias = await Alias.get_or_none(hostname=production, project=project)
    if alias is None or alias.deployment_id is None:  # type: ignore[attr-defined]
        return []
    custom = (
        await Alias.filter(
            project=project,
            kind=AliasKind.CUSTOM,
            branch__isnull=True,
            deployment_id=alias.deployment_id,  # type: ignore[attr-defined]
        )
        .order_by("hostname")
        .values_list("hostname", flat=True)
    )
    return [production, *[str(hostname) for hostname in custom]]


async def watched_projects() -> list[Project]:
    """Projects whose production alias points at a deployment (checks on or off)."""
    return await Project.filter(
        aliases__kind=AliasKind.PRODUCTION, aliases__deployment_id__isnull=False
    ).distinct()


def open_key(kind: str, hostname: str) -> str:
    return f"{kind}:{hostname}"


async def open_incident(project: Project, kind: str, hostname: str) -> UptimeIncident | None:
    return await UptimeIncident.get_or_none(project=project, open_key=open_key(kind, hostname))


async def uptime_percents(project: Project, now: datetime) -> tuple[float | None, float | None]:
    """The share of answered checks that passed over the last 24 hours and 30 days, in
    percent (None: no checks then), in one query."""
    day, month = now - timedelta(hours=24), now - timedelta(days=30)
    rows = (
        await UptimeCheck.filter(project=project, slot__gte=month, ok__isnull=False)
        .annotate(
            total=Count("id"),
            passed=Count("id", _filter=Q(ok=True)),
            day_total=Count("id", _filter=Q(slot__gte=day)),
            day_passed=Count("id", _filter=Q(ok=True) & Q(slot__gte=day)),
        )
        .values("total", "passed", "day_total", "day_passed")
    )
    found = rows[0] if rows else {}

    def share(passed: Any, total: Any) -> float | None:
        return round(100.0 * int(passed or 0) / int(total), 3) if total else None

    return (
        share(found.get("day_passed"), found.get("day_total")),
        share(found.get("passed"), found.get("total")),
    )


async def incidents(project: Project, limit: int = INCIDENT_LIMIT) -> list[UptimeIncident]:
    """The project's incidents, newest first."""
    return await UptimeIncident.filter(project=project).order_by("-started_at", "-id").limit(limit)


async def recent_checks(project: Project, limit: int = CHECK_LIMIT) -> list[UptimeCheck]:
    """The project's latest answered checks, newest first."""
    return (
        await UptimeCheck.filter(project=project, ok__isnull=False)
        .order_by("-slot", "hostname")
        .limit(limit)
    )


async def checks_by_id(ids: list[int]) -> list[UptimeCheck]:
    """The checks ``ids``, in that order."""
    found = {check.id: check for check in await UptimeCheck.filter(id__in=ids)}
    return [found[check_id] for check_id in ids if check_id in found]


async def summary(app: AutoStack, project: Project, now: datetime | None = None) -> dict[str, Any]:
    """What the project page and ``GET .../uptime`` show: the settings, each hostname's
    status (``up``, ``down``, ``errors``, ``unknown`` before its first check), the uptime
    over 24 hours and 30 days, and the incidents of the last 30 days and the open ones,
    newest first. Six queries whatever the number of hostnames."""
    now = now or datetime.now(UTC)
    config = settings_of(project)
    hostnames = await production_hostnames(app, project)
    listed = (
        await UptimeIncident.filter(
            Q(project=project)
            & (Q(ended_at__isnull=True) | Q(started_at__gte=now - timedelta(days=30)))
        )
        .order_by("-started_at", "-id")
        .limit(INCIDENT_LIMIT)
    )
    open_keys = {incident.open_key for incident in listed if incident.ended_at is None}
    latest: dict[str, UptimeCheck] = {}
    for check in (
        await UptimeCheck.filter(project=project, ok__isnull=False)
        .order_by("-slot")
        .limit(3 * len(hostnames))
    ):
        latest.setdefault(check.hostname, check)
    statuses = []
    for hostname in hostnames:
        last = latest.get(hostname)
        if open_key(DOWN, hostname) in open_keys:
            status = DOWN
        elif open_key(ERRORS, hostname) in open_keys:
            status = ERRORS
        else:
            status = "unknown" if last is None else "up"
        statuses.append(
            {
                "hostname": hostname,
                "url": app.edge.public_url(hostname),
                "status": status,
                "last_check": None if last is None else check_json(last),
            }
        )
    day, month = await uptime_percents(project, now)
    return {
        "settings": asdict(config),
        "hostnames": statuses,
        "uptime_24h": day,
        "uptime_30d": month,
        "incidents": [incident_json(incident) for incident in listed],
    }


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def check_json(check: UptimeCheck) -> dict[str, Any]:
    return {
        "hostname": check.hostname,
        "slot": _stamp(check.slot),
        "started_at": _stamp(check.started_at),
        "ok": check.ok,
        "status_code": check.status_code,
        "cause": check.cause,
        "error": check.error,
        "duration_ms": check.duration_ms,
    }


def incident_json(incident: UptimeIncident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "hostname": incident.hostname,
        "kind": incident.kind,
        "started_at": _stamp(incident.started_at),
        "ended_at": _stamp(incident.ended_at),
        "cause": incident.cause,
        "detail": incident.detail,
        "status_code": incident.status_code,
        "checks_failed": incident.checks_failed,
    }


async def summary_by_name(app: AutoStack, name: str) -> dict[str, Any] | None:
    """:func:`summary` of the project called ``name`` (None: no such project), for a page
    that already checked the viewer's access to it."""
    project = await Project.get_or_none(name=name)
    return None if project is None else await summary(app, project)
