"""The project page's cost and usage section: the runtime's estimate, usage per month and day.

The sampling and the figures are tests/unit/test_usage.py's; here what a member
sees on the project page, from usage rows as the sampler writes them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from autostack_core.infrastructure.models import UsageDay
from tests.fixtures_auth import owner
from tests.web_fixtures import Site, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


def section(page: str) -> str:
    match = re.search(r'<section class="card" id="usage".*?</section>', page, re.S)
    assert match, "the project page has no cost and usage section"
    return match.group(0)


async def test_the_project_page_shows_the_estimate_and_measured_usage(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    empty = section((await http.get("/projects/site")).text)
    assert "No usage measured yet." in empty
    assert "0.00 USD an hour" in empty and site.current.id in empty  # the null runtime's price

    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    for day, cpu in ((today, 12.5), (yesterday, 30.0)):
        await UsageDay.create(
            project=site.project,
            deployment_id=site.current.id,
            day=day,
            runtime="local",
            cpu_seconds=cpu,
            memory_mb_sum=240.0,
            memory_mb_peak=150.0,
            samples=2,
            last_cpu=cpu,
        )
    shown = section((await http.get("/projects/site")).text)
    rows = re.findall(r"<tr><td>([^<]+)</td>\s*<td>([^<]+)</td>", shown)
    periods = {period: cpu for period, cpu in rows}
    assert periods[today.isoformat()] == "12.5 CPU-s"
    assert periods[yesterday.isoformat()] == "30.0 CPU-s"
    if today.month == yesterday.month:
        assert periods[today.strftime("%Y-%m")] == "42.5 CPU-s"
    assert "120 / 150 MB" in shown  # average and peak memory
