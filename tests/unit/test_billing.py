"""Billing: a month that is over goes to the ``billing`` hook, one call per team.

The plugin here is the test plugin the issue asks for: it records what it was
given (a payment provider's plugin would turn it into invoices).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Plan,
    Project,
    Team,
    TrafficRollup,
    User,
)
from tests.fixtures_auth import api, owner, personal_team

__all__ = ["api", "owner"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admins=("owner@example.com",))


class InvoiceRecorder:
    """A billing plugin that keeps what it was handed."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    async def billing(self, app: AutoStack, team: Team, plan: Plan | None, month: str,
                      usage: dict[str, Any]) -> None:
        if team.slug == "broken":
            raise RuntimeError("the payment provider is down")
        self.calls.append({"team": team.slug, "plan": plan.slug if plan else None,
                           "month": month, "usage": usage})


def last_month() -> date:
    return (datetime.now(UTC).date().replace(day=1) - timedelta(days=1)).replace(day=1)


async def used_last_month(team: Team) -> None:
    """A build of 90 s and 5,000 bytes in 7 requests, last month; a build this month."""
    project = await Project.create(name=f"site-{team.slug}", team=team)
    started = datetime.combine(last_month() + timedelta(days=2), datetime.min.time(), UTC)
    deployment = await Deployment.create(project=project, state=DeploymentState.READY,
                                         building_at=started + timedelta(hours=3),
                                         build_time_seconds=90)
    await Deployment.create(project=project, state=DeploymentState.READY,
                            building_at=datetime.now(UTC), build_time_seconds=600)
    await TrafficRollup.create(project=project, deployment=deployment, period="d",
                               bucket=started, requests=7, bytes_sent=5000)


async def test_billing_hands_each_team_its_plan_and_usage(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    recorder = InvoiceRecorder()
    autostack.plugin_manager.register(recorder, name="invoices")
    team = await personal_team(owner)
    team.plan = await Plan.get(slug="pro")
    await team.save()
    await used_last_month(team)
    await Team.create(name="Broken", slug="broken", owner=owner)
    month = f"{last_month():%Y-%m}"
    answer = await api.post("/api/v1/billing/run", params={"month": month})
    assert answer.status_code == 200, answer.text
    by_team = {row["team"]: row for row in answer.json()["teams"]}
    assert by_team["broken"]["error"] == "RuntimeError: the payment provider is down"
    assert by_team[team.slug]["error"] is None
    [call] = recorder.calls
    assert (call["team"], call["plan"], call["month"]) == (team.slug, "pro", month)
    total = call["usage"]["total"]
    assert (total["build_minutes"], total["bandwidth_bytes"], total["requests"]) == (1.5, 5000, 7)
    assert call["usage"]["projects"][0]["project"] == f"site-{team.slug}"
    assert call["usage"]["days"][0]["day"] == (last_month() + timedelta(days=2)).isoformat()


async def test_a_month_not_over_is_refused(autostack: AutoStack, api: httpx.AsyncClient) -> None:
    this_month = f"{datetime.now(UTC):%Y-%m}"
    refused = await api.post("/api/v1/billing/run", params={"month": this_month})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "month"
    bad = await api.post("/api/v1/billing/run", params={"month": "december"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "month"


async def test_the_usage_api_gives_a_month_per_project_and_day_and_the_months(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await used_last_month(team)
    month = f"{last_month():%Y-%m}"
    answer = (await api.get(f"/api/v1/teams/{team.slug}/usage",
                            params={"month": month})).json()
    usage = answer["usage"]
    assert usage["month"] == month and usage["total"]["bandwidth_bytes"] == 5000
    assert [row["project"] for row in usage["projects"]] == [f"site-{team.slug}"]
    assert [row["requests"] for row in usage["days"]] == [7]
    this_month = (await api.get(f"/api/v1/teams/{team.slug}/usage")).json()
    months = {row["month"]: row["build_minutes"] for row in this_month["months"]}
    assert months == {f"{datetime.now(UTC):%Y-%m}": 10.0, month: 1.5}
    assert this_month["usage"]["total"]["build_minutes"] == 10.0
