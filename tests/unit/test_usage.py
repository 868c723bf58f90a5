"""The cost view: usage sampled once per slot per deployment, per day and month, with the
runtime's estimate.

The fast tier's null runtime stands in for ``local``; it has no meter, so the
test gives it one that reads from a list (the real meter, the local runtime's
cgroup readings, is tests/e2e/test_usage.py). Runs on SQLite and, with
AUTOSTACK_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, UsageDay, User
from autostack_core.interfaces.usage import ResourceUsage
from autostack_core.services import usage
from tests.fixtures_auth import api, owner, personal_team
from tests.null_edge import null_runtime
from tests.upload_deploy import deploy_files

__all__ = ["api", "owner"]

MB = 1024 * 1024
DAY = datetime(2026, 11, 30, 10, 0, 30, tzinfo=UTC)


class Meter:
    """Readings handed out in order, as a runtime's ``measure`` would return them."""

    def __init__(self) -> None:
        self.readings: list[ResourceUsage | None] = []
        self.asked: list[str] = []

    async def __call__(self, release_id: str) -> ResourceUsage | None:
        self.asked.append(release_id)
        return self.readings.pop(0) if self.readings else None


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


@pytest.fixture
def meter(autostack: AutoStack) -> Meter:
    found = Meter()
    null_runtime(autostack).measure = found  # type: ignore[attr-defined]
    return found


async def test_readings_add_up_per_day_and_month_and_a_slot_counts_once(
    autostack: AutoStack, site: Project, meter: Meter, api: httpx.AsyncClient
) -> None:
    production = await deploy_files(autostack, site, {"index.html": "<h1>hi</h1>"})
    meter.readings = [
        ResourceUsage(10.0, 100 * MB),
        ResourceUsage(25.0, 300 * MB),
        ResourceUsage(5.0, 200 * MB),
    ]  # the last after a restart
    for minutes in (0, 5, 10):
        assert await usage.sample(autostack, DAY + timedelta(minutes=minutes)) == 1
    assert meter.asked == [production.id] * 3
    row = await UsageDay.get(project=site)
    assert (row.cpu_seconds, row.samples, row.memory_mb_peak) == (30.0, 3, 300.0)

    # Two consumers sampling one slot: both measure, one reading counts.
    meter.readings = [ResourceUsage(7.0, 100 * MB), ResourceUsage(7.5, 100 * MB)]
    counted = await asyncio.gather(
        usage.sample(autostack, DAY + timedelta(minutes=15)),
        usage.sample(autostack, DAY + timedelta(minutes=16)),
    )
    assert sorted(counted) == [0, 1]
    await row.refresh_from_db()
    assert row.samples == 4 and row.cpu_seconds in (32.0, 32.5)

    # The next day goes on from the counter of the day before.
    meter.readings = [ResourceUsage(row.last_cpu + 4.0, 100 * MB)]
    await usage.sample(autostack, DAY + timedelta(days=1))
    view = await usage.usage_json(autostack, site, today=(DAY + timedelta(days=1)).date())
    assert [day["period"] for day in view["days"]] == ["2026-12-01", "2026-11-30"]
    assert view["days"][0]["cpu_seconds"] == 4.0 and view["days"][0]["hours"] == 0.08
    assert view["days"][1]["memory_mb_avg"] == 175.0  # (100 + 300 + 200 + 100) / 4
    assert [month["period"] for month in view["months"]] == ["2026-12", "2026-11"]
    assert view["estimate"]["hourly"] == 0.0 and view["days"][0]["estimated_cost"] == 0.0

    answer = await api.get("/api/v1/projects/site/usage")
    assert answer.status_code == 200 and answer.json()["estimate"]["deployment"] == production.id
    assert (await api.get("/api/v1/projects/nope/usage")).status_code == 404


async def test_asleep_or_unmeasured_deployments_record_nothing(
    autostack: AutoStack, site: Project, meter: Meter
) -> None:
    await deploy_files(autostack, site, {"index.html": "<h1>hi</h1>"})
    assert await usage.sample(autostack, DAY) == 0  # the meter says nothing runs
    assert await UsageDay.filter(project=site).count() == 0
    del null_runtime(autostack).measure  # type: ignore[attr-defined]
    assert await usage.sample(autostack, DAY + timedelta(minutes=5)) == 0
