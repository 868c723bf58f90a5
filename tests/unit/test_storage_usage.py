"""A team's storage per day: sampled peaks, in the usage API, the Usage page and billing.

On SQLite, and on PostgreSQL with AUTOSTACK_TEST_DATABASE_URL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import StorageDay, TeamBlob, User
from autostack_core.services import storage_usage
from tests.fixtures_auth import api, client_for, owner, personal_team
from tests.web_fixtures import log_in

__all__ = ["api", "owner"]
JAN_10 = datetime(2026, 1, 10, 9, tzinfo=UTC)


async def store(team_id: int, sha: str, size: int) -> None:
    await TeamBlob.create(team_id=team_id, sha256=sha * 64, size=size, stored_at=JAN_10)


async def test_each_day_keeps_the_most_the_team_stored(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await store(team.id, "a", 1000)
    assert await storage_usage.sample(JAN_10) == 1
    await store(team.id, "b", 4000)
    await storage_usage.sample(JAN_10 + timedelta(hours=1))
    await TeamBlob.filter(team_id=team.id, sha256="b" * 64).delete()  # gc removed it
    await storage_usage.sample(JAN_10 + timedelta(hours=2))  # 1000 now: the peak stays
    await storage_usage.sample(JAN_10 + timedelta(days=1))
    rows = await StorageDay.filter(team_id=team.id).order_by("day").values_list(
        "day", "peak_bytes")
    assert [(day.isoformat(), peak) for day, peak in rows] == [
        ("2026-01-10", 5000), ("2026-01-11", 1000)]

    usage = (await api.get(f"/api/v1/teams/{team.slug}/usage",
                           params={"month": "2026-01"})).json()["usage"]
    assert usage["storage_peak_bytes"] == 5000 and usage["storage_bytes"] == 1000
    assert [(row["day"], row["storage_bytes"]) for row in usage["days"]] == [
        ("2026-01-11", 1000), ("2026-01-10", 5000)]
    async with client_for(autostack) as http:
        await log_in(http, owner.email)
        page = (await http.get(f"/teams/{team.slug}/usage", params={"month": "2026-01"})).text
    assert "the month's peak: 5.0 kB" in page.replace("&#39;", "'")


async def test_rows_older_than_the_kept_days_go(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    await store(team.id, "a", 10)
    await storage_usage.sample(JAN_10)
    later = JAN_10 + timedelta(days=storage_usage.KEEP_DAYS + 1)
    await storage_usage.sample(later)
    days = await StorageDay.filter(team_id=team.id).values_list("day", flat=True)
    assert days == [later.date()]
