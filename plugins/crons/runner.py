"""Scheduling and sending cron requests.

Every minute each queue consumer's scheduler runs :func:`tick`: for every
project whose production deployment declares crons (and has them on), each
cron due this minute is *claimed* by inserting its :class:`CronRun` for
(project, path, schedule, minute). The table's unique key lets exactly one
insert win, so any number of workers or servers tick and one request goes
out; the winner enqueues :func:`run`. The run is persisted before its request
and its answer after it, and a run is sent at most once: ``started_at`` is
set by a conditional update before sending.

The request is what Vercel sends: ``GET`` the production URL's path through
the edge, ``User-Agent: vercel-cron/1.0``, ``Authorization: Bearer
<CRON_SECRET>`` when the project has that production variable, and the
protection bypass when production is protected. Redirects are not followed.
Neither secret is logged or stored in the history.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from tortoise.exceptions import IntegrityError

from autostack_core.infrastructure.models.crons import CronRun, DeploymentCron
from autostack_core.infrastructure.models.enums import AliasKind, Environment
from autostack_core.services import aliases, crons

from .schedule import ScheduleError, parse

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Deployment, Project

logger = logging.getLogger("autostack.crons")
TICK_TASK = "crons_tick"
USER_AGENT = "vercel-cron/1.0"
BYPASS_HEADER = "x-vercel-protection-bypass"
TIMEOUT_SECONDS = 300.0
"""How long a cron's request may take (Vercel: the function's maximum duration)."""
ERROR_LIMIT = 500
LOOKBACK_MINUTES = 5
"""How late a tick may run (scheduler offset, busy queue) and still claim its minute."""
PRUNE_TASK = "crons_prune"
HISTORY_DAYS = 30
"""How long runs are kept (a cron every minute leaves 43,200 in that time)."""


def minute_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


async def production_crons() -> list[DeploymentCron]:
    """Every cron of a deployment the production alias points at and built for production."""
    return await DeploymentCron.filter(
        deployment__aliases__kind=AliasKind.PRODUCTION,
        deployment__target=Environment.PRODUCTION,
        deployment__deleted_at__isnull=True,
    ).prefetch_related("deployment__project").distinct()


async def tick(app: AutoStack, now: datetime | None = None) -> list[int]:
    """Claim the runs due in the last :data:`LOOKBACK_MINUTES` up to ``now`` that no tick
    claimed yet; enqueue and return the ones this call won.

    Huey's scheduler checks periodic jobs once a minute at the second its
    consumer started, and the tick may then wait behind builds in the queue;
    looking back keeps such a late tick from skipping its minute (a daily
    cron would miss its day). Minutes before the one in which the deployment
    became ready, or the crons were turned on, are not due.
    """
    current = minute_of(now or datetime.now(UTC))
    window = [current - timedelta(minutes=back) for back in range(LOOKBACK_MINUTES)]
    due: list[tuple[DeploymentCron, datetime]] = []
    for cron in await production_crons():
        project = cron.deployment.project
        try:
            schedule = parse(cron.schedule)
        except ScheduleError:  # checked at build; a row written otherwise is skipped
            continue
        since = crons.active_since(project, cron.deployment)
        if crons.crons_enabled(project):
            due += [(cron, minute) for minute in window
                    if schedule.matches(minute) and (since is None or minute >= minute_of(since))]
    taken = await claimed_since(window[-1])
    claimed: list[int] = []
    for cron, minute in due:
        if (cron.deployment.project.id, cron.path, cron.schedule, minute) not in taken:
            run = await claim(cron.deployment.project, cron.deployment, cron, minute)
            if run is not None:
                claimed.append(run.id)
    for run_id in claimed:
        app.queue.enqueue(crons.RUN_TASK, run_id)
    return claimed


async def prune(now: datetime | None = None) -> int:
    """Forget the runs older than :data:`HISTORY_DAYS`; how many went (hourly)."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=HISTORY_DAYS)
    removed: int = await CronRun.filter(created_at__lt=cutoff).delete()
    return removed


async def claimed_since(minute: datetime) -> set[tuple[int, str, str, datetime]]:
    """The (project id, path, schedule, minute) of every run scheduled from ``minute`` on."""
    rows = await CronRun.filter(scheduled_for__gte=minute).values_list(
        "project_id", "path", "schedule", "scheduled_for")
    return {(project, path, schedule, minute_of(at)) for project, path, schedule, at in rows}


async def claim(project: Project, deployment: Deployment, cron: DeploymentCron,
                minute: datetime) -> CronRun | None:
    """The new run of ``cron`` for ``minute``, or None when another tick claimed it first."""
    try:
        return await CronRun.create(project=project, deployment=deployment, path=cron.path,
                                    schedule=cron.schedule, scheduled_for=minute)
    except IntegrityError:
        return None


async def run(app: AutoStack, run_id: int) -> None:
    """Send the request of run ``run_id`` once, and record its answer."""
    started = datetime.now(UTC)
    if not await CronRun.filter(id=run_id, started_at__isnull=True).update(started_at=started):
        return  # sent already (or deleted with its project)
    record = await CronRun.get(id=run_id).prefetch_related("project")
    project = record.project
    headers = {"user-agent": USER_AGENT}
    secret = await crons.cron_secret(project)
    if secret:
        headers["authorization"] = f"Bearer {secret}"
    bypass = await crons.automation_bypass(project, by="crons")
    if bypass:
        headers[BYPASS_HEADER] = bypass
    base = app.edge.public_url(aliases.production_hostname(project, app.settings.base_domain))
    clock = time.monotonic()
    status, error = await send(base, record.path, headers)
    await CronRun.filter(id=run_id).update(
        status_code=status, error=error,
        duration_ms=round((time.monotonic() - clock) * 1000))
    logger.info("cron %s %s of %s: %s", record.id, record.path, project.name,
                status if error is None else error)


async def send(base: str, path: str, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """GET ``base`` + ``path``; the status code, or None and why there is none.

    A ``*.localhost`` hostname (the default base domain) is the loopback by
    definition (RFC 6761), which the system resolver here may not know: the
    request goes to 127.0.0.1 with the hostname in ``Host``.
    """
    parts = urlsplit(base)
    hostname = parts.hostname or ""
    url = base + path
    if hostname == "localhost" or hostname.endswith(".localhost"):
        headers = {**headers, "host": parts.netloc}
        url = f"{parts.scheme}://127.0.0.1{':' + str(parts.port) if parts.port else ''}{path}"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False,
                                     trust_env=False) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:ERROR_LIMIT] or "request failed"
    return response.status_code, None
