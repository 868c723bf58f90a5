"""Crons on the dashboard: production's crons, the on/off switch, run now, the history.

The same service as the API (tests/unit/test_crons.py); here what a member sees
and an admin submits. The run's request goes to a stand-in on the loopback
that takes the null edge's place.
"""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    CronRun,
    DeploymentCron,
    Project,
    Role,
)
from tests.fixtures_auth import add_user, client_for, owner
from tests.http_standin import standin
from tests.queue_runner import run_queued
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_admins_see_switch_and_run_production_crons(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    await DeploymentCron.create(deployment=site.current, path="/api/tidy", schedule="0 3 * * *")
    await DeploymentCron.create(deployment=site.old, path="/api/old", schedule="* * * * *")
    settings = (await http.get("/projects/site/settings")).text
    assert 'href="/projects/site/crons"' in settings
    page = (await http.get("/projects/site/crons")).text
    assert "/api/tidy" in page and "0 3 * * *" in page and "/api/old" not in page
    assert "No runs yet." in page and 'name="enabled" checked' in page

    off = await http.post("/projects/site/crons/enabled", data={"csrf_token": token})
    assert off.status_code == 200 and "Crons are off." in off.text
    assert 'name="enabled" checked' not in off.text
    assert (await Project.get(name="site")).settings["crons_enabled"] is False
    assert await AuditEvent.filter(action="project.crons_changed").count() == 1

    with standin(lambda request: (204, None)) as server:
        site.edge.port = int(server.url.rsplit(":", 1)[1])
        queued = await http.post("/projects/site/crons/run",
                                 data={"csrf_token": token, "path": "/api/tidy"})
        assert queued.status_code == 202 and "/api/tidy is queued" in queued.text
        assert await run_queued(autostack, "crons_run") == 1
        assert [request.path for request in server.requests] == ["/api/tidy"]
    history = (await http.get("/projects/site/crons")).text
    assert "(by hand)" in history and "<td>204</td>" in history
    assert (await CronRun.get(path="/api/tidy")).status_code == 204

    missing = await http.post("/projects/site/crons/run",
                              data={"csrf_token": token, "path": "/api/old"})
    assert missing.status_code == 404  # the old deployment's cron is not production's


async def test_members_read_but_cannot_change(autostack: AutoStack, site: Site) -> None:
    await add_user(site.project.team, "member@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        token = await log_in(http, "member@example.com")
        page = await http.get("/projects/site/crons")
        assert page.status_code == 200 and "<fieldset disabled>" in page.text
        refused = await http.post("/projects/site/crons/enabled",
                                  data={"csrf_token": token, "enabled": "on"})
        assert refused.status_code == 403
