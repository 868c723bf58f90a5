"""A project's cost view: the runtime's estimate and what its deployments measured, per day
and month.

Every :data:`SAMPLE_MINUTES` minutes each queue consumer runs :func:`sample`:
each deployment an alias serves is measured by its runtime when the runtime
can (:class:`autostack_core.interfaces.usage.MeasuresUsage`), and the reading
is added to the deployment's row of the day (:class:`UsageDay`): the CPU
counter's growth since the last reading, the memory seen. The row's
``last_sampled`` is the slot that wrote it; the write is a conditional update
on it, so any number of consumers count a slot once.

:func:`usage_json` is what the API and the project page show: the estimate
from the runtime's price table (``Runtime.cost_estimate``, as ``/cost``), and
per day and per month the CPU seconds, the average and peak memory, the hours
something ran (samples x interval) and those hours at the estimate's hourly
price; and per deployment its measured usage at its runtime's price table
(:mod:`autostack_core.services.costs`), with that table. Rows older than
:data:`KEEP_DAYS` go.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, DeploymentState, Project
from autostack_core.infrastructure.models.usage import UsageDay
from autostack_core.interfaces.usage import MeasuresUsage, ResourceUsage
from autostack_core.services import costs, scaling

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.usage")
SAMPLE_TASK = "usage_sample"
SAMPLE_MINUTES = 5
KEEP_DAYS = 400
SHOWN_DAYS = 31
SHOWN_MONTHS = 12
MB = 1024 * 1024


def slot_of(moment: datetime) -> datetime:
    """The start of the sample slot ``moment`` falls in (UTC)."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % SAMPLE_MINUTES, second=0,
                          microsecond=0)


async def served() -> list[tuple[Project, str]]:
    """Each project with each ready deployment one of its aliases points at."""
    aliases = await Alias.filter(deployment__state=DeploymentState.READY,
                                 deployment__deleted_at__isnull=True) \
        .prefetch_related("project")
    seen: dict[str, Project] = {}
    for alias in aliases:
        seen.setdefault(alias.deployment_id, alias.project)  # type: ignore[attr-defined]
    return [(project, deployment_id) for deployment_id, project in seen.items()]


async def sample(app: AutoStack, now: datetime | None = None) -> int:
    """Measure every served deployment whose runtime can, once per slot; how many readings
    this call recorded."""
    slot = slot_of(now or datetime.now(UTC))
    recorded = 0
    for project, deployment_id in await served():
        runtime = app.runtimes.get(project.provider)
        if not isinstance(runtime, MeasuresUsage):
            continue
        try:
            reading = await runtime.measure(deployment_id)
        except Exception:
            logger.exception("measuring %s of %s failed", deployment_id, project.name)
            continue
        if reading is not None and await record(project, deployment_id, project.provider,
                                                reading, slot):
            recorded += 1
    await UsageDay.filter(day__lt=slot.date() - timedelta(days=KEEP_DAYS)).delete()
    return recorded


async def record(project: Project, deployment_id: str, runtime: str, reading: ResourceUsage,
                 slot: datetime) -> bool:
    """Add ``reading`` to the deployment's row of ``slot``'s day; False when this slot was
    recorded already (by another consumer)."""
    day = slot.date()
    row = await UsageDay.get_or_none(project=project, deployment_id=deployment_id, day=day)
    if row is None:
        try:
            row = await UsageDay.create(project=project, deployment_id=deployment_id, day=day,
                                        runtime=runtime)
        except IntegrityError:
            row = await UsageDay.get(project=project, deployment_id=deployment_id, day=day)
    if row.last_sampled is not None and row.last_sampled.astimezone(UTC) >= slot:
        return False
    last_cpu = row.last_cpu
    if row.last_sampled is None:  # the day's first reading: the counter went on from yesterday
        previous = await UsageDay.filter(project=project, deployment_id=deployment_id,
                                         day__lt=day).order_by("-day").first()
        last_cpu = previous.last_cpu if previous is not None else 0.0
    grown = reading.cpu_seconds - last_cpu
    added = grown if grown >= 0 else reading.cpu_seconds  # restarted: the counter began again
    memory_mb = reading.memory_bytes / MB
    updated: int = await UsageDay.filter(id=row.id, last_sampled=row.last_sampled).update(
        cpu_seconds=row.cpu_seconds + added, memory_mb_sum=row.memory_mb_sum + memory_mb,
        memory_mb_peak=max(row.memory_mb_peak, memory_mb), samples=row.samples + 1,
        last_cpu=reading.cpu_seconds, last_sampled=slot)
    return bool(updated)


def _period(key: str, rows: list[UsageDay], hourly: float | None) -> dict[str, Any]:
    samples = sum(row.samples for row in rows)
    hours = samples * SAMPLE_MINUTES / 60
    return {
        "period": key,
        "cpu_seconds": round(sum(row.cpu_seconds for row in rows), 3),
        "memory_mb_avg": round(sum(row.memory_mb_sum for row in rows) / samples, 1)
        if samples else None,
        "memory_mb_peak": round(max((row.memory_mb_peak for row in rows), default=0.0), 1),
        "hours": round(hours, 2),
        "estimated_cost": None if hourly is None else round(hourly * hours, 4),
    }


async def usage_json(app: AutoStack, project: Project, today: date | None = None
                     ) -> dict[str, Any]:
    """The cost view: the runtime's estimate (None before anything is ready or without the
    project's runtime), and the measured usage of the last :data:`SHOWN_DAYS` days and
    :data:`SHOWN_MONTHS` months, newest first."""
    today = today or datetime.now(UTC).date()
    try:
        estimate = await scaling.cost_json(app, project)
    except ApiError:  # the project's runtime is not installed: measured usage only
        estimate = None
    hourly = None if estimate is None else float(estimate["hourly"])
    first_month = (today.replace(day=1) - timedelta(days=31 * (SHOWN_MONTHS - 1))).replace(day=1)
    rows = await UsageDay.filter(project=project, day__gte=first_month).order_by("-day")
    by_day: dict[str, list[UsageDay]] = {}
    by_month: dict[str, list[UsageDay]] = {}
    for row in rows:
        by_month.setdefault(row.day.strftime("%Y-%m"), []).append(row)
        if row.day > today - timedelta(days=SHOWN_DAYS):
            by_day.setdefault(row.day.isoformat(), []).append(row)
    return {
        "estimate": estimate,
        "sample_minutes": SAMPLE_MINUTES,
        "days": [_period(key, found, hourly) for key, found in by_day.items()],
        "months": [_period(key, found, hourly) for key, found in by_month.items()],
        "deployments": await costs.deployment_costs(app, rows, SAMPLE_MINUTES),
        "prices": costs.price_table_json(app, project.provider),
    }
