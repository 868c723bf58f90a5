"""Each team's storage per UTC day: the most its distinct stored files took that day.

``TeamBlob`` says what a team stores now (:mod:`.team_files`); this job samples
it every quarter hour, so a month's storage can be shown and billed as a plan's
other figures are, after the files are gone. Two consumers sampling at once
keep the larger figure: the update is conditional.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum

from autostack_core.infrastructure.models import StorageDay, TeamBlob

SAMPLE_TASK = "sample_storage"
SAMPLE_MINUTES = 15
KEEP_DAYS = 400
"""Long enough for the twelve months the Usage page shows."""


async def sample(now: datetime | None = None) -> int:
    """Record every team's stored bytes as its day's peak where higher; how many teams."""
    day = (now or datetime.now(UTC)).date()
    totals = await TeamBlob.annotate(total=Sum("size")).group_by("team_id") \
        .values_list("team_id", "total")
    for team_id, total in totals:
        await record(int(team_id), day, int(total or 0))
    await StorageDay.filter(day__lt=day - timedelta(days=KEEP_DAYS)).delete()
    return len(totals)


async def record(team_id: int, day: date, stored: int) -> None:
    if await StorageDay.filter(team_id=team_id, day=day, peak_bytes__lt=stored) \
            .update(peak_bytes=stored):
        return
    try:
        await StorageDay.create(team_id=team_id, day=day, peak_bytes=stored)
    except IntegrityError:  # there already (as large, or another consumer made it)
        await StorageDay.filter(team_id=team_id, day=day, peak_bytes__lt=stored) \
            .update(peak_bytes=stored)


async def peaks(team_id: int, first: date, end: date) -> dict[date, int]:
    """The team's peak stored bytes per day in [first, end)."""
    rows = await StorageDay.filter(team_id=team_id, day__gte=first, day__lt=end) \
        .values_list("day", "peak_bytes")
    return {day: int(peak) for day, peak in rows}
