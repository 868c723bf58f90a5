"""The audit log through the API: each kind of change leaves a row naming who (user and API
token), from where, what and the fields before and after, with secrets masked; owners and
admins read it at ``/api/v1/teams/{slug}/audit``, filtered and paged.

No queue consumer runs: deployments are created through the API and stay queued; the ones
promoted are made ready in the database with a stored output the null runtime runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    ApiToken,
    AuditEvent,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    Role,
    User,
)
from autostack_core.security import accounts
from autostack_core.services import audit, deployments
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.null_edge import stored_output

__all__ = ["api", "owner"]

SECRET = "hunter2-very-secret-value"
INDEX = b"<h1>audited</h1>\n"


async def log_of(api: httpx.AsyncClient, slug: str = "olivia", **filters: str) -> list[Any]:
    response = await api.get(f"/api/v1/teams/{slug}/audit", params=filters)
    assert response.status_code == 200, response.text
    assert SECRET not in response.text
    events: list[Any] = response.json()["events"]
    return events


async def latest(api: httpx.AsyncClient, action: str) -> dict[str, Any]:
    """The newest event of ``action`` from the API, checked against its stored row."""
    events = await log_of(api, action=action)
    assert events, f"no {action} event"
    row = await AuditEvent.get(id=events[0]["id"])
    assert SECRET not in json.dumps([row.before, row.after, row.data, row.actor])
    newest: dict[str, Any] = events[0]
    return newest


async def make_site(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201


async def queued_deployment(api: httpx.AsyncClient) -> str:
    sha = hashlib.sha256(INDEX).hexdigest()
    assert (await api.put(f"/api/v1/projects/site/files/{sha}", content=INDEX)).status_code \
        == 201
    response = await api.post("/api/v1/projects/site/deployments", json={
        "files": [{"file": "index.html", "sha": sha, "size": len(INDEX)}]})
    assert response.status_code == 201, response.text
    deployment_id: str = response.json()["id"]
    return deployment_id


async def ready_deployment(autostack: AutoStack) -> Deployment:
    project = await Project.get(name="site")
    return await Deployment.create(project=project, state=DeploymentState.READY,
                                   target=Environment.PRODUCTION,
                                   output_manifest_hash=stored_output(autostack.settings))


async def test_a_deploy_names_the_user_the_token_and_the_address(api: httpx.AsyncClient,
                                                                   owner: User) -> None:
    await make_site(api)
    deployment_id = await queued_deployment(api)
    event = await latest(api, "deployment.created")
    assert event["actor"] == {"name": owner.email, "user_id": owner.id, "token": "tests"}
    assert event["address"] == "127.0.0.1"
    assert event["target"] == {"type": "deployment", "id": deployment_id}
    assert event["project"] == "site"
    assert event["after"]["source"] == "upload" and event["before"] is None
    assert datetime.fromisoformat(event["created_at"]) > datetime.now(UTC) - timedelta(minutes=1)


async def test_promote_and_rollback_record_production_before_and_after(
    autostack: AutoStack, api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    first, second = await ready_deployment(autostack), await ready_deployment(autostack)
    assert (await api.post(f"/api/v1/deployments/{first.id}/promote")).status_code == 200
    assert (await api.post(f"/api/v1/deployments/{second.id}/promote")).status_code == 200
    promoted = await latest(api, "deployment.promoted")
    assert promoted["before"] == {"production": first.id}
    assert promoted["after"] == {"production": second.id}
    rollback = await api.post("/api/v1/projects/site/rollback", json={"deployment": first.id})
    assert rollback.status_code == 200, rollback.text
    rolled_back = await latest(api, "deployment.rolled_back")
    assert rolled_back["before"] == {"production": second.id}
    assert rolled_back["after"] == {"production": first.id}
    assert rolled_back["target"] == {"type": "deployment", "id": first.id}


async def test_cancel_and_delete_are_recorded(api: httpx.AsyncClient) -> None:
    await make_site(api)
    deployment_id = await queued_deployment(api)
    assert (await api.post(f"/api/v1/deployments/{deployment_id}/cancel")).status_code == 200
    canceled = await latest(api, "deployment.canceled")
    assert canceled["before"] == {"cancel_requested": False}
    assert canceled["after"] == {"cancel_requested": True}
    assert canceled["details"] == {"state": "queued"}
    assert (await api.delete(f"/api/v1/deployments/{deployment_id}")).status_code == 200
    deleted = await latest(api, "deployment.deleted")
    assert deleted["target"] == {"type": "deployment", "id": deployment_id}


async def test_environment_variables_show_that_values_changed_never_what_to(
    api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    created = await api.post("/api/v1/projects/site/env", json={
        "key": "API_KEY", "value": SECRET, "environment": "production"})
    variable_id = created.json()["env"][0]["id"]
    added = await latest(api, "env.created")
    assert added["target"] == {"type": "env", "id": "API_KEY"}
    assert added["after"] == {"key": "API_KEY", "value": "[redacted]",
                              "environments": ["production"]}
    changed = await api.patch(f"/api/v1/projects/site/env/{variable_id}",
                              json={"value": SECRET + "-2"})
    assert changed.status_code == 200
    updated = await latest(api, "env.updated")
    assert updated["before"] == {"value": "[redacted]"} == updated["after"]
    assert (await api.delete(f"/api/v1/projects/site/env/{variable_id}")).status_code == 204
    deleted = await latest(api, "env.deleted")
    assert deleted["before"]["value"] == "[redacted]" and deleted["after"] is None
    stored = await AuditEvent.filter(action__startswith="env.").values_list("before", "after")
    assert SECRET not in json.dumps(stored)


async def test_settings_changes_keep_only_the_fields_that_changed(
    api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    response = await api.patch("/api/v1/projects/site", json={
        "build_command": "npm run build", "git_url": f"https://bob:{SECRET}@example.test/a.git"})
    assert response.status_code == 200, response.text
    event = await latest(api, "project.updated")
    assert event["before"] == {"build_command": None, "git_url": None}
    assert event["after"]["build_command"] == "npm run build"
    assert event["after"]["git_url"] == "https://bob:[redacted]@example.test/a.git"
    renamed = await api.patch("/api/v1/teams/olivia", json={"name": "Olivia's team"})
    assert renamed.status_code == 200
    team_event = await latest(api, "team.updated")
    assert team_event["after"] == {"name": "Olivia's team"}


async def test_members_and_roles(autostack: AutoStack, api: httpx.AsyncClient,
                                 owner: User) -> None:
    await accounts.create_user("bob@example.com", "correct horse battery")
    added = await api.post("/api/v1/teams/olivia/members",
                           json={"email": "bob@example.com", "role": "member"})
    assert added.status_code == 201, added.text
    bob_id = added.json()["member"]["user_id"]
    assert (await latest(api, "member.added"))["details"] == {"role": "member"}
    changed = await api.patch(f"/api/v1/teams/olivia/members/{bob_id}", json={"role": "admin"})
    assert changed.status_code == 200, changed.text
    role = await latest(api, "member.role_changed")
    assert (role["before"], role["after"]) == ({"role": "member"}, {"role": "admin"})
    assert role["target"] == {"type": "user", "id": str(bob_id)}
    assert (await api.delete(f"/api/v1/teams/olivia/members/{bob_id}")).status_code == 204
    assert (await latest(api, "member.removed"))["actor"]["name"] == owner.email


async def test_tokens_are_in_their_owners_personal_log_without_their_secret(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post("/api/v1/tokens", json={"name": "ci"})
    assert created.status_code == 201, created.text
    raw = created.json()["token"]
    event = await latest(api, "token.created")
    assert event["details"] == {"name": "ci"} and raw not in json.dumps(event)
    token = await ApiToken.get(name="ci")
    assert (await api.delete(f"/api/v1/tokens/{token.id}")).status_code == 204
    assert (await latest(api, "token.revoked"))["target"] == {"type": "api_token",
                                                             "id": str(token.id)}
    stored = await AuditEvent.filter(action__startswith="token.").values_list("data", flat=True)
    assert raw not in json.dumps(stored)


async def test_members_get_403_and_other_teams_404(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    member = await add_user(team, "mia@example.com", Role.MEMBER)
    admin = await add_user(team, "ada@example.com", Role.ADMIN)
    outsider = await accounts.create_user("otto@example.com", "correct horse battery")
    async with client_for(autostack, await token_for(member)) as http:
        refused = await http.get("/api/v1/teams/olivia/audit")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == \
        "the audit log is for the team's owners and admins; you are member"
    async with client_for(autostack, await token_for(outsider)) as http:
        assert (await http.get("/api/v1/teams/olivia/audit")).status_code == 404
        assert (await http.get("/api/v1/teams/nosuchteam/audit")).status_code == 404
    async with client_for(autostack, await token_for(admin)) as http:
        assert (await http.get("/api/v1/teams/olivia/audit")).status_code == 200
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get("/api/v1/teams/olivia/audit")).status_code == 401


async def test_filters_and_paging(autostack: AutoStack, api: httpx.AsyncClient,
                                  owner: User) -> None:
    await make_site(api)
    team = await personal_team(owner)
    admin = await add_user(team, "ada@example.com", Role.ADMIN)
    for key in ("A", "B", "C"):
        await api.post("/api/v1/projects/site/env", json={"key": key, "value": "x"})
    async with client_for(autostack, await token_for(admin)) as http:
        await http.post("/api/v1/projects", json={"name": "other"})
    assert [e["target"]["id"] for e in await log_of(api, action="env.created")] == ["C", "B", "A"]
    assert {e["action"] for e in await log_of(api, action="env")} == {"env.created"}
    by_admin = await log_of(api, actor="ada@example.com")
    assert [e["action"] for e in by_admin] == ["project.created"]
    assert all(e["actor"]["token"] == "tests" for e in await log_of(api, actor="tests"))
    assert {e["project"] for e in await log_of(api, project="other")} == {"other"}
    assert [e["target"]["id"] for e in await log_of(api, target="env:B")] == ["B"]
    assert await log_of(api, since="2000-01-01", until="2000-01-02") == []
    assert len(await log_of(api, since="1h")) == len(await log_of(api))
    first = await api.get("/api/v1/teams/olivia/audit", params={"action": "env", "limit": "2"})
    page_one = first.json()
    assert [e["target"]["id"] for e in page_one["events"]] == ["C", "B"]
    second = await api.get("/api/v1/teams/olivia/audit", params={
        "action": "env", "limit": "2", "cursor": str(page_one["next_cursor"])})
    assert [e["target"]["id"] for e in second.json()["events"]] == ["A"]
    assert second.json()["next_cursor"] is None


async def test_malformed_filters_name_the_field(api: httpx.AsyncClient) -> None:
    for params, field in (({"since": "yesterday"}, "since"), ({"limit": "0"}, "limit"),
                          ({"limit": "201"}, "limit"), ({"cursor": "x"}, "cursor")):
        response = await api.get("/api/v1/teams/olivia/audit", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["field"] == field


async def test_prune_drops_rows_past_the_retention_setting(autostack: AutoStack,
                                                           api: httpx.AsyncClient) -> None:
    await make_site(api)
    old = await AuditEvent.create(action="project.updated", actor="someone")
    await AuditEvent.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=400))
    assert await audit.prune(0) == 0
    assert await audit.prune(autostack.settings.audit_retention_days) == 1
    assert not await AuditEvent.exists(id=old.id)
    assert await AuditEvent.exists(action="project.created")


async def test_domains_added_changed_and_removed(api: httpx.AsyncClient) -> None:
    await make_site(api)
    added = await api.post("/api/v1/projects/site/domains", json={"name": "www.example.test"})
    assert added.status_code == 201, added.text
    event = await latest(api, "domain.added")
    assert event["target"] == {"type": "domain", "id": "www.example.test"}
    assert event["after"]["domain"] == "www.example.test" and event["project"] == "site"
    changed = await api.patch("/api/v1/projects/site/domains/www.example.test",
                              json={"git_branch": "staging"})
    assert changed.status_code == 200, changed.text
    updated = await latest(api, "domain.updated")
    assert (updated["before"], updated["after"]) == ({"git_branch": None},
                                                     {"git_branch": "staging"})
    removed = await api.delete("/api/v1/projects/site/domains/www.example.test")
    assert removed.status_code == 204
    assert (await latest(api, "domain.removed"))["before"]["domain"] == "www.example.test"



async def test_deploys_nobody_signed_name_what_asked_for_them(autostack: AutoStack,
                                                              api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/projects", json={
        "name": "site", "git_url": "https://github.com/Codertocat/Hello-World.git"})
    assert created.status_code == 201, created.text
    hook = await api.post("/api/v1/projects/site/deploy-hooks", json={"name": "CMS"})
    url = hook.json()["deploy_hook"]["url"].removeprefix("http://localhost:8000")
    async with client_for(autostack) as anonymous:
        assert (await anonymous.post(url)).status_code == 201
    event = await latest(api, "deployment.created")
    assert event["actor"] == {"name": "deploy-hook", "user_id": None, "token": None}
    assert event["address"] == "127.0.0.1"
    assert url.rsplit("/", 1)[1] not in json.dumps(await log_of(api))


async def test_an_automatic_promote_is_the_platforms(autostack: AutoStack,
                                                     api: httpx.AsyncClient) -> None:
    await make_site(api)
    ready = await ready_deployment(autostack)
    await deployments.promote(autostack, await Project.get(name="site"), ready)
    event = await latest(api, "deployment.promoted")
    assert event["actor"] == {"name": "autostack", "user_id": None, "token": None}
    assert event["address"] == "" and event["before"] == {"production": None}


def test_secrets_are_masked_by_name_and_urls_redacted() -> None:
    before, after = audit.changes(
        {"password": "old", "same": 1, "nested": {"client_secret": "a", "region": "eu"}},
        {"password": "new", "same": 1, "nested": {"client_secret": "b", "region": "eu"},
         "hook": "https://example.test/api/v1/deploy-hooks/abcdef"})
    assert before == {"password": "[redacted]",
                      "nested": {"client_secret": "[redacted]", "region": "eu"}, "hook": None}
    assert after == {"password": "[redacted]",
                     "nested": {"client_secret": "[redacted]", "region": "eu"},
                     "hook": "https://example.test/api/v1/deploy-hooks/[redacted]"}
    assert audit.changes({"password": "same"}, {"password": "same"}) == ({}, {})
