"""The project page and its actions: production card, deployments, previews, roles."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Alias, Deployment, Role, User
from autostack_core.interfaces.runtime import ReleaseStatus
from autostack_web.projects import RECENT
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.query_counter import counting_queries
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]
UPTIME_QUERIES = 6
"""The uptime section's queries (tests/unit/test_web_uptime.py)."""
USAGE_QUERIES = 5
"""The cost and usage section's: the runtime's estimate (as ``/cost``, with the databases the
release links) and the usage rows."""
DATABASES_QUERIES = 1
"""The databases section's: the linked databases (and one per database for its last backup)."""
ROLLBACK_QUERIES = 4
"""The suggested rollback's, when one is possible: the candidates, the production moves in
the audit log, their day and hour roll-ups (tests/unit/test_web_rollback_advice.py)."""
HEALTH_QUERIES = 5
"""The health score's: roll-ups, builds, incidents, checks, certificates (test_web_health.py)."""


async def test_project_page_shows_production_deployments_and_previews(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    page = await http.get("/projects/site")
    assert page.status_code == 200
    text = page.text
    assert "Production deployment" in text and "site.localhost:8080" in text
    assert "bbbbbbb" in text and "second" in text and "2.5s" in text
    assert f'data-deployment="{site.running.id}"' in text  # followed live
    assert "site-git-feature.localhost" in text  # a branch preview
    for label in ("Rollback", "Promote", "Redeploy", "Cancel", "Delete"):
        assert f">{label}</button>" in text
    assert f"/deployments/{site.current.id}/delete" not in text  # serves production


async def test_project_page_queries(site: Site, signed_in: Client) -> None:
    """Six queries: session and user, the project with its team, the user's role, the
    recent deployments, the production alias with the previews. One more when an alias
    serves a deployment older than the recent ones, one more when the rollback target is.
    The uptime plugin's section adds its own six, whatever the number of hostnames
    (:func:`autostack_core.services.uptime.summary` and the project by name), the cost
    and usage section five (:func:`autostack_core.services.usage.usage_json`), the suggested
    rollback four, the health score five, the databases one."""
    http, _ = signed_in
    with counting_queries() as queries:
        page = await http.get("/projects/site")
    sections = UPTIME_QUERIES + USAGE_QUERIES + ROLLBACK_QUERIES + HEALTH_QUERIES \
        + DATABASES_QUERIES
    assert page.status_code == 200 and queries.count <= 6 + sections, queries
    for number in range(RECENT):
        await Deployment.create(project=site.project, state="ready", branch=f"topic-{number}")
    with counting_queries() as queries:
        page = await http.get("/projects/site")
    assert page.status_code == 200 and queries.count <= 8 + sections, queries
    assert "site-cur.localhost" in page.text and "bbbbbbb" in page.text  # production, served
    assert "site-git-feature.localhost" in page.text  # the preview of an older deployment
    assert ">Rollback</button>" in page.text


async def test_rollback_moves_production_back(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    response = await http.post("/projects/site/rollback", data={"csrf_token": token})
    assert response.status_code == 303
    back = response.headers["location"]
    assert back == f"/projects/site?done=rolled-back&id={site.old.id}&undo={site.current.id}"
    alias = await Alias.get(hostname="site.localhost")
    assert alias.deployment_id == site.old.id  # type: ignore[attr-defined]
    page = await http.get(back)
    assert f"Production rolled back to {site.old.id}." in page.text
    assert f'action="/deployments/{site.current.id}/promote"' in page.text  # the undo
    assert ">Undo</button>" in page.text
    again = await http.post("/projects/site/rollback", data={"csrf_token": token})
    assert again.status_code == 409 and "no earlier ready production deployment" in again.text


async def test_promote_cancel_and_delete(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    promoted = await http.post(f"/deployments/{site.old.id}/promote", data={"csrf_token": token})
    assert promoted.status_code == 303
    assert promoted.headers["location"] == \
        f"/projects/site?done=promoted&id={site.old.id}&undo={site.current.id}"
    assert site.edge.served_by("site.localhost") == [site.old.id]
    assert (await site.edge.fetch("site.localhost")).text == "first"
    refused = await http.post(f"/deployments/{site.old.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 409 and "promote another one first" in refused.text
    canceled = await http.post(f"/deployments/{site.running.id}/cancel",
                               data={"csrf_token": token})
    assert canceled.status_code == 303
    assert (await Deployment.get(id=site.running.id)).cancel_requested
    deleted = await http.post(f"/deployments/{site.current.id}/delete",
                              data={"csrf_token": token})
    assert deleted.status_code == 303
    assert f"Deployment {site.current.id} deleted." in (
        await http.get(deleted.headers["location"])).text
    assert (await Deployment.get(id=site.current.id)).deleted_at is not None
    assert await site.runtime.status(site.current.id) == ReleaseStatus.ABSENT
    unknown = await http.post(f"/deployments/{site.old.id}/explode", data={"csrf_token": token})
    assert unknown.status_code == 404


async def test_a_message_names_only_what_the_page_words(
    site: Site, signed_in: Client
) -> None:
    """The query chooses one of the page's sentences; it cannot make the page say more."""
    http, _ = signed_in
    page = await http.get("/projects/site", params={"done": "deleted", "id": "<b>x</b>"})
    assert "deleted." not in page.text and "&lt;b&gt;" not in page.text
    unknown = await http.get("/projects/site", params={"done": "hacked", "id": "abc"})
    assert 'class="notice flash"' not in unknown.text


async def test_the_actions_that_cannot_be_taken_back_ask_first(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    text = (await http.get("/projects/site")).text
    assert text.count('data-ask="Promote ') == 1 and 'data-ask="Roll production back' in text
    assert f'data-ask="Delete deployment {site.old.id}? Its URL stops working' in text


async def test_redeploy_queues_the_same_commit(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    response = await http.post(f"/deployments/{site.old.id}/redeploy",
                               data={"csrf_token": token})
    assert response.status_code == 303
    fresh = await Deployment.filter(project=site.project).order_by("-created_at").first()
    assert fresh is not None and response.headers["location"] == f"/deployments/{fresh.id}"
    assert fresh.commit_sha == site.old.commit_sha and fresh.target == "production"


async def test_viewers_see_but_cannot_act(autostack: AutoStack, site: Site, owner: User) -> None:
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        page = await http.get("/projects/site")
        assert page.status_code == 200 and "Production deployment" in page.text
        assert ">Rollback</button>" not in page.text and ">Promote</button>" not in page.text
        refused = await http.post("/projects/site/rollback", data={"csrf_token": token})
        assert refused.status_code == 403 and "member role" in refused.text


async def test_non_members_get_404_and_csrf_is_checked(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    forged = await http.post("/projects/site/rollback", data={"csrf_token": "x" * 40})
    assert forged.status_code == 403
    from autostack_core.security import accounts

    await accounts.create_user("stranger@example.com", "correct horse battery")
    async with client_for(autostack) as stranger:
        await log_in(stranger, "stranger@example.com")
        for path in ("/projects/site", f"/deployments/{site.old.id}",
                     "/projects/site/settings"):
            response = await stranger.get(path)
            assert response.status_code == 404 and "was not found" in response.text
    anonymous = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=autostack.asgi()), base_url="http://testserver"
    ).get("/projects/site")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=%2Fprojects%2Fsite"
