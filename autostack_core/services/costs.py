"""What each deployment cost: its measured usage at its runtime's price table.

The meter's rows (:class:`UsageDay`, :mod:`autostack_core.services.usage`)
add up per deployment to a :class:`autostack_core.interfaces.cost.Usage`:
the CPU seconds, the memory held over time (each sample stands for one
interval), the hours something ran, and the requests the edge counted for it
on those days (the analytics roll-ups). The runtime that ran it (the row's
``runtime``) prices that when it can (:class:`EstimatesCost`); a runtime
without a price table, or one no longer installed, gets no cost.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import TrafficRollup
from autostack_core.infrastructure.models.usage import UsageDay
from autostack_core.interfaces.cost import EstimatesCost, Usage

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

MB_PER_GIB = 1024


def usage_of(rows: list[UsageDay], sample_minutes: int, requests: int = 0) -> Usage:
    """What ``rows`` (one deployment's days) add up to."""
    interval_hours = sample_minutes / 60
    return Usage(
        cpu_seconds=sum(row.cpu_seconds for row in rows),
        memory_gib_hours=sum(row.memory_mb_sum for row in rows) / MB_PER_GIB * interval_hours,
        hours=sum(row.samples for row in rows) * interval_hours,
        requests=requests,
    )


async def _requests(deployment_ids: list[str], first: date) -> dict[str, int]:
    """Each deployment's requests from ``first`` on, from the daily traffic roll-ups."""
    since = datetime.combine(first, time(), tzinfo=UTC)
    counted: dict[str, int] = {}
    found = await TrafficRollup.filter(deployment_id__in=deployment_ids, period="d",
                                       bucket__gte=since) \
        .values_list("deployment_id", "requests")
    for deployment_id, requests in found:
        counted[str(deployment_id)] = counted.get(str(deployment_id), 0) + int(requests)
    return counted


async def deployment_costs(app: AutoStack, rows: list[UsageDay], sample_minutes: int
                           ) -> list[dict[str, Any]]:
    """Per deployment in ``rows``: its runtime, its measured usage and what that cost
    (None without the runtime's price table), the most recently measured first."""
    if not rows:
        return []
    by_deployment: dict[str, list[UsageDay]] = {}
    for row in sorted(rows, key=lambda row: row.day, reverse=True):
        by_deployment.setdefault(row.deployment_id, []).append(row)
    requests = await _requests(list(by_deployment), min(row.day for row in rows))
    shown = []
    for deployment_id, found in by_deployment.items():
        runtime_name = found[0].runtime
        measured = usage_of(found, sample_minutes, requests.get(deployment_id, 0))
        runtime = app.runtimes.get(runtime_name)
        cost = runtime.estimate_cost(measured) if isinstance(runtime, EstimatesCost) else None
        shown.append({
            "deployment": deployment_id,
            "runtime": runtime_name,
            "from": found[-1].day.isoformat(),
            "to": found[0].day.isoformat(),
            "cpu_seconds": round(measured.cpu_seconds, 3),
            "memory_gib_hours": round(measured.memory_gib_hours, 4),
            "hours": round(measured.hours, 2),
            "requests": measured.requests,
            "cost": None if cost is None else cost.to_json(),
        })
    return shown


def price_table_json(app: AutoStack, runtime_name: str) -> dict[str, Any] | None:
    """The price table of ``runtime_name``, or None when it has none (or is not installed)."""
    runtime = app.runtimes.get(runtime_name)
    return runtime.price_table().to_json() if isinstance(runtime, EstimatesCost) else None
