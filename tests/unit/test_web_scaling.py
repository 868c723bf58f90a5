"""Scaling on the settings page: the scale policy saved through the service the API uses
(audited, applied by the runtime) and the runtime's cost estimate; viewers only read.

The project runs on the fast tier's null runtime (tests/null_edge.py), which keeps each
release's policy in memory: what the runtime was asked is the real thing."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, Project, Role, User
from autostack_core.interfaces.runtime import ScalePolicy
from autostack_core.services import releases
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_admins_save_the_scale_policy_and_the_runtime_applies_it(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    await releases.serve(autostack, site.project, site.old)  # both ready ones run
    page = (await http.get("/projects/site/settings")).text
    assert 'id="scaling"' in page and 'name="replicas" type="number" value="1"' in page
    assert 'name="scale_to_zero">' in page  # not checked
    assert "0.00 USD a month" in page and f'href="/deployments/{site.current.id}"' in page
    saved = await http.post("/projects/site/settings/scale", data={
        "csrf_token": token, "scale_to_zero": "on", "replicas": "3"})
    assert saved.status_code == 200
    assert "Scaling saved; applied to 2 ready deployments." in saved.text
    assert 'name="scale_to_zero" checked' in saved.text and 'value="3"' in saved.text
    project = await Project.get(name="site")
    assert releases.policy_for(project) == ScalePolicy(min_replicas=0, max_replicas=3)
    assert site.runtime.releases[site.current.id].policy == \
        ScalePolicy(min_replicas=0, max_replicas=3)
    event = await AuditEvent.filter(action="project.updated").order_by("-id").first()
    assert event is not None and event.data["fields"] == ["replicas", "scale_to_zero"]


async def test_a_bad_replica_count_names_the_field_and_saves_nothing(
    site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    for bad in ("11", "0", "two"):
        answer = await http.post("/projects/site/settings/scale", data={
            "csrf_token": token, "replicas": bad})
        assert answer.status_code == 422, bad
        assert 'aria-describedby="e-replicas"' in answer.text
        assert "replicas: enter a whole number from 1 to 10" in answer.text
    assert releases.policy_for(await Project.get(name="site")) == ScalePolicy()


async def test_viewers_see_the_policy_and_cost_but_cannot_change_them(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        page = (await http.get("/projects/site/settings")).text
        assert 'id="scaling"' in page and "USD a month" in page
        answer = await http.post("/projects/site/settings/scale", data={
            "csrf_token": token, "scale_to_zero": "on", "replicas": "2"})
        assert answer.status_code == 403
    assert releases.policy_for(await Project.get(name="site")) == ScalePolicy()


async def test_a_missing_runtime_shows_no_estimate(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    await Project.filter(id=site.project.id).update(provider="gone")
    page = await http.get("/projects/site/settings")
    assert page.status_code == 200 and "none: the runtime gone is not installed" in page.text
    refused = await http.post("/projects/site/settings/scale", data={
        "csrf_token": token, "replicas": "2"})
    assert refused.status_code == 409 and "the runtime &#39;gone&#39; is not installed" in \
        refused.text
