"""Split testing in the dashboard: the same service as the API, saved, applied at the
(null) edge, counted per variant; viewers only read.

The project runs on the fast tier's null runtime and edge (tests/null_edge.py): what
the edge was asked, and what its visitors get, are the real thing, in memory."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, Role, User
from autostack_core.services import releases
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_admins_start_and_end_a_split_and_see_each_variants_requests(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    await releases.serve(autostack, site.project, site.old)
    settings = (await http.get("/projects/site/settings")).text
    assert 'href="/projects/site/split"' in settings
    assert "No split test" in (await http.get("/projects/site/split")).text
    saved = await http.post("/projects/site/split", data={
        "csrf_token": token, "deployment_0": site.current.id, "weight_0": "50",
        "deployment_1": site.old.id, "weight_1": "50"})
    assert saved.status_code == 200, saved.text
    assert "Split test saved and applied." in saved.text
    served = [(await site.edge.fetch("site.localhost", "/")).status for _ in range(4)]
    assert served == [200] * 4
    page = (await http.get("/projects/site/split")).text
    assert "data-split" in page and page.count("50%") == 2
    assert "<td>2</td>" in page, "each variant answered 2 of the 4 requests"
    assert site.edge.served_by("site.localhost") == [site.current.id, site.old.id]
    ended = await http.post("/projects/site/split/end", data={"csrf_token": token})
    assert "Split test ended." in ended.text and "No split test" in ended.text
    assert site.edge.served_by("site.localhost") == [site.current.id]


async def test_bad_weights_name_the_field_and_save_nothing(
    site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    answer = await http.post("/projects/site/split", data={
        "csrf_token": token, "deployment_0": site.current.id, "weight_0": "70",
        "deployment_1": site.old.id, "weight_1": "20"})
    assert answer.status_code == 422
    assert "weight: the weights must add up to 100" in answer.text
    assert "split" not in ((await Project.get(name="site")).settings or {})


async def test_viewers_see_the_split_but_cannot_change_it(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        assert (await http.get("/projects/site/split")).status_code == 200
        answer = await http.post("/projects/site/split", data={
            "csrf_token": token, "deployment_0": site.current.id, "weight_0": "50",
            "deployment_1": site.old.id, "weight_1": "50"})
        assert answer.status_code == 403


async def test_admins_change_the_skew_protection_window(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    page = (await http.get("/projects/site/split")).text
    assert 'name="skew_seconds" type="number" min="0" value="43200"' in page
    saved = await http.post("/projects/site/split/skew", data={
        "csrf_token": token, "skew_seconds": "600"})
    assert "Skew protection saved." in saved.text and 'value="600"' in saved.text
    assert site.edge.skew["site.localhost"] == 600
    refused = await http.post("/projects/site/split/skew", data={
        "csrf_token": token, "skew_seconds": "soon"})
    assert refused.status_code == 422 and "seconds: enter a whole number" in refused.text
