"""Scheduling and sending uptime checks.

Every minute each queue consumer's scheduler runs :func:`tick`: for every
project with checks on and a production deployment that is not scaled to zero
and asleep (a check would wake it), each production hostname
is *claimed* for the current check interval (``slot``) by inserting its
:class:`UptimeCheck`. The table's unique (project, hostname, slot) key lets
exactly one insert win, so any number of workers tick and one request goes
out; the winner enqueues :func:`run`. A check is sent at most once:
``started_at`` is set by a conditional update before sending, and its answer
is persisted before incidents are weighed (:mod:`.incidents`).

The request is what a visitor's browser sends through the edge on this
machine: ``GET`` the configured path of the hostname, redirects not
followed, with the protection bypass when production is protected (as the
crons plugin does). It always connects to the loopback at the edge's port
with the hostname in ``Host`` (and as the TLS server name): the hostname is
one of the project's own production hostnames and the host is always this
machine's edge, whatever DNS says, so a check never reaches another host.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from tortoise.exceptions import IntegrityError

from autostack_core.infrastructure.models.uptime import UptimeCheck, UptimeIncident
from autostack_core.services import crons, uptime

from . import incidents
from .incidents import Outcome

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project

logger = logging.getLogger("autostack.uptime")
TICK_TASK = "uptime_tick"
CHECK_TASK = "uptime_check"
PRUNE_TASK = "uptime_prune"
USER_AGENT = "autostack-uptime/1.0"
BYPASS_HEADER = "x-vercel-protection-bypass"
ERROR_LIMIT = 500
CHECK_DAYS = 31
"""How long check results are kept (the 30-day uptime needs them)."""
INCIDENT_DAYS = 365
"""How long ended incidents are kept."""


def slot_of(moment: datetime, interval: int) -> datetime:
    """The start of the ``interval``-second check slot ``moment`` falls in (UTC)."""
    seconds = int(moment.timestamp()) // interval * interval
    return datetime.fromtimestamp(seconds, UTC)


async def tick(app: AutoStack, now: datetime | None = None) -> list[int]:
    """Claim this slot's check of every production hostname no tick claimed yet; enqueue
    and return the ones this call won."""
    now = now or datetime.now(UTC)
    wanted: list[tuple[Project, str, datetime]] = []
    for project in await uptime.watched_projects():
        config = uptime.settings_of(project)
        if config.enabled and not await uptime.production_asleep(app, project):
            slot = slot_of(now, config.interval)
            wanted += [
                (project, hostname, slot)
                for hostname in await uptime.production_hostnames(app, project)
            ]
    if not wanted:
        return []
    earliest = min(slot for _, _, slot in wanted)
    taken = {
        (project_id, hostname, slot.astimezone(UTC))
        for project_id, hostname, slot in await UptimeCheck.filter(slot__gte=earliest).values_list(
            "project_id", "hostname", "slot"
        )
    }
    claimed: list[int] = []
    for project, hostname, slot in wanted:
        if (project.id, hostname, slot) not in taken:
            check = await claim(project, hostname, slot)
            if check is not None:
                claimed.append(check.id)
    for check_id in claimed:
        app.queue.enqueue(CHECK_TASK, check_id)
    return claimed


async def claim(project: Project, hostname: str, slot: datetime) -> UptimeCheck | None:
    """The new check of ``hostname`` for ``slot``, or None when another tick claimed it."""
    try:
        return await UptimeCheck.create(project=project, hostname=hostname, slot=slot)
    except IntegrityError:
        return None


async def check_now(app: AutoStack, project: Project) -> list[int]:
    """Check every production hostname of ``project`` now, outside the schedule (its slot
    is this moment), and weigh the answers as a scheduled check's; the checks' ids."""
    moment = datetime.now(UTC)
    claimed = [
        check.id
        for hostname in await uptime.production_hostnames(app, project)
        if (check := await claim(project, hostname, moment)) is not None
    ]
    for check_id in claimed:
        await run(app, check_id)
    return claimed


async def run(app: AutoStack, check_id: int) -> None:
    """Send check ``check_id`` once, record its answer, then open or close incidents."""
    started = datetime.now(UTC)
    if not await UptimeCheck.filter(id=check_id, started_at__isnull=True).update(
        started_at=started
    ):
        return  # sent already (or deleted with its project)
    check = await UptimeCheck.get(id=check_id).prefetch_related("project")
    project = check.project
    config = uptime.settings_of(project)
    headers = {"user-agent": USER_AGENT}
    bypass = await crons.automation_bypass(project, by="uptime")
    if bypass:
        headers[BYPASS_HEADER] = bypass
    outcome = await probe(app.edge.public_url(check.hostname), config.path, headers, config.timeout)
    await UptimeCheck.filter(id=check_id).update(
        ok=outcome.ok,
        status_code=outcome.status_code,
        cause=outcome.cause,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    logger.info(
        "uptime check %s of %s%s: %s",
        check_id,
        check.hostname,
        config.path,
        "ok" if outcome.ok else outcome.error,
    )
    await incidents.weigh_check(app, project, check.hostname, config, outcome, started)
    await incidents.weigh_errors(app, project, check.hostname, config, started)


async def probe(public_url: str, path: str, headers: dict[str, str], timeout: float) -> Outcome:
    """GET ``path`` of the hostname of ``public_url`` from the edge on the loopback.

    Up is any answer below 400 (redirects are answers: not followed). Down is
    an answer of 400 or above (``status``), no answer within ``timeout``
    seconds (``timeout``) or no connection (``connection``).
    """
    parts = urlsplit(public_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    url = f"{parts.scheme}://127.0.0.1:{port}{path}"
    extensions: dict[str, Any] = {}
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
    clock = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - clock) * 1000)

    try:
        async with httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.get(
                url, headers={**headers, "host": parts.netloc}, extensions=extensions
            )
    except httpx.TimeoutException as error:
        return Outcome(
            False,
            None,
            "timeout",
            f"no answer within {timeout:g} s ({type(error).__name__})",
            took(),
        )
    except httpx.HTTPError as error:
        return Outcome(
            False, None, "connection", f"{type(error).__name__}: {error}"[:ERROR_LIMIT], took()
        )
    if response.status_code >= 400:
        return Outcome(
            False, response.status_code, "status", f"answered {response.status_code}", took()
        )
    return Outcome(True, response.status_code, duration_ms=took())


async def prune(app: AutoStack, now: datetime | None = None) -> int:
    """Forget checks older than :data:`CHECK_DAYS` and incidents that ended more than
    :data:`INCIDENT_DAYS` ago, and end (without an alert) the open incidents of hostnames
    that no longer serve their project's production; how many rows went or ended (hourly)."""
    now = now or datetime.now(UTC)
    checks: int = await UptimeCheck.filter(slot__lt=now - timedelta(days=CHECK_DAYS)).delete()
    ended: int = await UptimeIncident.filter(
        ended_at__lt=now - timedelta(days=INCIDENT_DAYS)
    ).delete()
    orphans = 0
    for incident in await UptimeIncident.filter(ended_at__isnull=True).prefetch_related("project"):
        if incident.hostname not in await uptime.production_hostnames(app, incident.project):
            orphans += await UptimeIncident.filter(id=incident.id, ended_at__isnull=True).update(
                ended_at=now, open_key=None
            )
    return checks + ended + orphans
