"""Opening and closing incidents after each check, and the alerts that announce them.

An incident is opened by inserting it with its ``open_key``, unique per
project while it is open: when two workers weigh checks at once, one insert
wins and only the winner notifies. It is closed by a conditional update
(``ended_at`` still empty), which again only one worker wins. Each is
persisted before ``app.notify`` announces it. Events (``Event.data``:
``hostname``, ``url``, ``cause``, ``detail``, ``status_code``,
``started_at``, ``ended_at``, ``checks_failed``, ``incident``):

- ``uptime.down``: ``failures`` consecutive checks failed;
- ``uptime.up``: the first check that passed after it;
- ``uptime.errors``: a 5xx spike in the edge's counts for the hostname
  (not while it is down: that incident says it already);
- ``uptime.errors_recovered``: the spike is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from autostack_core.infrastructure.models.uptime import UptimeCheck, UptimeIncident
from autostack_core.interfaces import Event
from autostack_core.services import uptime

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project
    from autostack_core.services.uptime import UptimeSettings


@dataclass(frozen=True)
class Outcome:
    """What one check found: ``ok``, or why not (``cause`` and ``error``)."""

    ok: bool
    status_code: int | None = None
    cause: str | None = None
    error: str | None = None
    duration_ms: int = 0


async def announce(app: AutoStack, kind: str, project: Project, incident: UptimeIncident) -> None:
    data: dict[str, Any] = {
        **uptime.incident_json(incident),
        "incident": incident.id,
        "url": app.edge.public_url(incident.hostname),
    }
    data.pop("id")
    await app.notify(Event(kind=kind, project=project.name, data=data))


async def open_one(
    project: Project, kind: str, hostname: str, **fields: Any
) -> UptimeIncident | None:
    """The new open incident, or None when one of ``kind`` is open for ``hostname``."""
    try:
        return await UptimeIncident.create(
            project=project,
            kind=kind,
            hostname=hostname,
            open_key=uptime.open_key(kind, hostname),
            **fields,
        )
    except IntegrityError:
        return None


async def close_one(
    project: Project, kind: str, hostname: str, ended: datetime
) -> UptimeIncident | None:
    """The incident of ``kind`` for ``hostname`` this call ended, or None (none was open,
    or another worker ended it)."""
    incident = await uptime.open_incident(project, kind, hostname)
    if incident is None or not await UptimeIncident.filter(
        id=incident.id, ended_at__isnull=True
    ).update(ended_at=ended, open_key=None):
        return None
    await incident.refresh_from_db()
    return incident


async def weigh_check(
    app: AutoStack,
    project: Project,
    hostname: str,
    config: UptimeSettings,
    outcome: Outcome,
    at: datetime,
) -> None:
    """After a check of ``hostname``: close its down incident if it passed, open one if
    it and the ``config.failures - 1`` checks before it failed, else count it."""
    if outcome.ok:
        ended = await close_one(project, uptime.DOWN, hostname, at)
        if ended is not None:
            await announce(app, "uptime.up", project, ended)
        return
    key = uptime.open_key(uptime.DOWN, hostname)
    if await UptimeIncident.filter(project=project, open_key=key).update(
        checks_failed=F("checks_failed") + 1
    ):
        return
    streak = (
        await UptimeCheck.filter(project=project, hostname=hostname, ok__isnull=False)
        .order_by("-slot")
        .limit(config.failures)
    )
    if len(streak) < config.failures or any(check.ok for check in streak):
        return
    first = streak[-1]
    incident = await open_one(
        project,
        uptime.DOWN,
        hostname,
        started_at=first.started_at or at,
        cause=outcome.cause or "status",
        detail=outcome.error or "failed",
        status_code=outcome.status_code,
        checks_failed=len(streak),
    )
    if incident is None:  # another worker opened it a moment ago: count this check there
        await UptimeIncident.filter(project=project, open_key=key).update(
            checks_failed=F("checks_failed") + 1
        )
        return
    await announce(app, "uptime.down", project, incident)


async def weigh_errors(
    app: AutoStack, project: Project, hostname: str, config: UptimeSettings, at: datetime
) -> None:
    """Open or close ``hostname``'s 5xx spike from the edge's counts of the last
    ``config.errors_window`` seconds (an edge that does not count: nothing)."""
    try:
        counts = await app.edge.traffic(hostname, at - timedelta(seconds=config.errors_window))
    except NotImplementedError:
        return
    requests = sum(count.requests for count in counts.values())
    errors = sum(count.errors for count in counts.values())
    spiking = errors >= config.errors_min and errors * 100 >= config.errors_percent * requests
    if not spiking:
        ended = await close_one(project, uptime.ERRORS, hostname, at)
        if ended is not None:
            await announce(app, "uptime.errors_recovered", project, ended)
        return
    if await uptime.open_incident(project, uptime.DOWN, hostname) is not None:
        return
    minutes = config.errors_window // 60
    incident = await open_one(
        project,
        uptime.ERRORS,
        hostname,
        started_at=at,
        cause="errors",
        detail=f"{errors} of {requests} requests answered 5xx in the last {minutes} min",
    )
    if incident is not None:
        await announce(app, "uptime.errors", project, incident)
