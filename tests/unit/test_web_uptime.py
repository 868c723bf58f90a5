"""The project page's uptime section: each production URL's status, the uptime, the incidents.

The same checks as tests/unit/test_uptime.py, sent to a stand-in on the loopback
that takes the null edge's place; here what a member sees on the project page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import User
from autostack_core.services import notifications, uptime
from autostack_plugins.uptime import checker
from tests.fixtures_auth import owner
from tests.http_standin import standin
from tests.queue_runner import run_queued
from tests.web_fixtures import Site, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]
START = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=7, microsecond=0)
"""Two hours ago, on the hour: within the uptime figures' 24 hours, slots on whole minutes."""


def section(page: str) -> str:
    match = re.search(r'<section class="card" id="uptime".*?</section>', page, re.S)
    assert match, "the project page has no uptime section"
    return match.group(0)


async def test_the_project_page_shows_status_uptime_and_incidents(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    before = section((await http.get("/projects/site")).text)
    assert "Not checked yet" in before and "No incidents." in before
    assert "every 60 s" in before

    answers = [200, 503, 503, 503]
    with standin(lambda request: (answers[0], None)) as server:
        site.edge.port = int(server.url.rsplit(":", 1)[1])
        for minute, status in enumerate(list(answers)):
            answers[0] = status
            await checker.tick(autostack, START + timedelta(minutes=minute))
            await run_queued(autostack, checker.CHECK_TASK)
    await notifications.drain()

    shown = section((await http.get("/projects/site")).text)
    assert ">Down<" in shown and "site.localhost" in shown
    assert re.search(r"data-uptime-30d>25\.00%<", shown)  # one of four checks passed
    row = re.search(r"<tbody>.*?</tbody>", shown, re.S)
    assert row is not None
    assert "ongoing" in row.group(0) and "answered 503" in row.group(0)
    assert re.search(r"<td>3</td>", row.group(0))  # three checks failed so far


async def test_checks_turned_off_say_so(
    autostack: AutoStack, site: Site, signed_in: Client, owner: User
) -> None:
    http, _ = signed_in
    await uptime.change_settings(site.project, {"enabled": False}, owner)
    assert "Uptime checks are off" in section((await http.get("/projects/site")).text)
