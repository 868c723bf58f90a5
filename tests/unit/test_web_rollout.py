"""The rolling release panel of the dashboard's traffic page: stage, weights, each side's
answers; members advance and abort with the page's CSRF token, viewers only read.

The project runs on the fast tier's null runtime and edge (tests/null_edge.py)."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Role, User
from autostack_core.services import deployments, rolling_releases
from autostack_core.services.rollout_stages import Stage, Thresholds
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def start(autostack: AutoStack, site: Site, owner: User) -> None:
    await rolling_releases.start(autostack, owner, site.project, site.old,
                                 [Stage(10, None), Stage(50, 600)], Thresholds(5, 800, 30),
                                 "127.0.0.1")


async def test_members_see_the_stage_and_advance_then_abort(
    autostack: AutoStack, site: Site, signed_in: Client, owner: User
) -> None:
    http, token = signed_in
    assert "No rolling release yet" in (await http.get("/projects/site/split")).text
    await start(autostack, site, owner)
    for _ in range(10):
        await site.edge.fetch("site.localhost")
    page = (await http.get("/projects/site/split")).text
    assert 'data-rollout-state="awaiting_approval"' in page and "stage 1 of 2" in page
    assert "<td>90%</td>" in page and "<td>10%</td>" in page
    assert "<td>9</td>" in page and "<td>1</td>" in page, "each side's requests"
    assert "Approve and advance" in page and "p95 above 800 ms" in page
    advanced = await http.post("/projects/site/rollout/advance", data={"csrf_token": token})
    assert "Rolling release advanced." in advanced.text and "<td>50%</td>" in advanced.text
    assert 'data-rollout-state="running"' in advanced.text
    forged = await http.post("/projects/site/rollout/abort", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    aborted = await http.post("/projects/site/rollout/abort", data={"csrf_token": token})
    assert "production serves the previous deployment" in aborted.text
    assert 'data-rollout-state="aborted"' in aborted.text
    assert site.edge.served_by("site.localhost") == [site.current.id]
    assert (await deployments.production_deployment(autostack, site.project)).id == \
        site.current.id


async def test_viewers_see_the_rolling_release_but_cannot_abort_it(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    await start(autostack, site, owner)
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        page = (await http.get("/projects/site/split")).text
        assert "data-rollout" in page and "Abort: back" not in page
        answer = await http.post("/projects/site/rollout/abort", data={"csrf_token": token})
        assert answer.status_code == 403
    assert sorted(site.edge.served_by("site.localhost")) == \
        sorted([site.current.id, site.old.id])


async def test_members_start_one_from_the_form_and_bad_stages_name_the_field(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    form = {"csrf_token": token, "rollout_deployment": site.old.id, "rollout_stages": "50,20",
            "rollout_minutes": "", "rollout_max_error_rate": "2", "rollout_max_p95_ms": "",
            "rollout_failure_budget": "25"}
    refused = await http.post("/projects/site/rollout", data=form)
    assert refused.status_code == 422 and "stages: percents must rise" in refused.text
    assert 'value="50,20"' in refused.text, "the form keeps what was typed"
    assert (await http.post("/projects/site/rollout", data={
        **form, "rollout_stages": "five"})).status_code == 422
    started = await http.post("/projects/site/rollout", data={**form,
                                                               "rollout_stages": "25,100"})
    assert "Rolling release started." in started.text
    assert 'data-rollout-state="awaiting_approval"' in started.text
    assert "at 25 failed requests" in started.text and "above 2.0% 5xx" in started.text
    assert "Start the rolling release" not in started.text
    assert sorted(t.weight for t in site.edge.bindings["site.localhost"]) == [25, 75]
