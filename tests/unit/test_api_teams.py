"""Teams API: create, read, members and roles, invitations, and who may do what."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, Role, Team, TeamMember, User
from autostack_core.security import accounts
from tests.fixtures_auth import PASSWORD, add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]


async def test_signup_creates_a_personal_team_owned_by_the_user(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/signup", json={
        "email": "Ada@Example.com", "password": PASSWORD, "name": "Ada", "token_name": "cli"})
    assert response.status_code == 201
    token = response.json()["token"]
    teams = await client.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"})
    assert teams.json()["teams"] == [
        {"slug": "ada", "name": "Ada's projects", "role": "owner", "is_personal": True}
    ]


async def test_signup_rejects_bad_input_naming_the_field(client: httpx.AsyncClient) -> None:
    short = await client.post("/api/v1/auth/signup",
                              json={"email": "a@example.com", "password": "short"})
    email = await client.post("/api/v1/auth/signup", json={"email": "nope", "password": PASSWORD})
    extra = await client.post("/api/v1/auth/signup",
                              json={"email": "a@example.com", "password": PASSWORD, "x": 1})
    assert short.status_code == 422 and short.json()["error"]["field"] == "password"
    assert email.status_code == 422 and email.json()["error"]["field"] == "email"
    assert extra.status_code == 422 and extra.json()["error"]["field"] == "x"
    assert not await User.exists()


async def test_create_and_get_a_team(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/teams", json={"name": "Acme Inc", "slug": "acme"})
    assert created.status_code == 201
    assert created.json()["team"]["role"] == "owner"
    again = await api.post("/api/v1/teams", json={"name": "Other", "slug": "acme"})
    assert again.status_code == 409 and again.json()["error"]["field"] == "slug"
    bad = await api.post("/api/v1/teams", json={"name": "X", "slug": "Not A Slug"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "slug"
    got = await api.get("/api/v1/teams/acme")
    assert got.json()["team"]["name"] == "Acme Inc"
    assert await AuditEvent.exists(action="team.created")


async def test_non_members_do_not_see_a_team(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    async with client_for(autostack, await token_for(stranger)) as http:
        assert (await http.get(f"/api/v1/teams/{team.slug}")).status_code == 404
        assert (await http.get(f"/api/v1/teams/{team.slug}/members")).status_code == 404


async def test_admins_manage_members(api: httpx.AsyncClient, owner: User) -> None:
    team = await personal_team(owner)
    bob = await accounts.create_user("bob@example.com", PASSWORD)
    added = await api.post(f"/api/v1/teams/{team.slug}/members",
                           json={"email": "bob@example.com", "role": "viewer"})
    assert added.status_code == 201
    dup = await api.post(f"/api/v1/teams/{team.slug}/members", json={"email": "bob@example.com"})
    assert dup.status_code == 409
    missing = await api.post(f"/api/v1/teams/{team.slug}/members",
                             json={"email": "nobody@example.com"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "email"
    changed = await api.patch(f"/api/v1/teams/{team.slug}/members/{bob.id}",
                              json={"role": "admin"})
    assert changed.json()["member"]["role"] == "admin"
    members = await api.get(f"/api/v1/teams/{team.slug}/members")
    assert [m["role"] for m in members.json()["members"]] == ["owner", "admin"]
    removed = await api.delete(f"/api/v1/teams/{team.slug}/members/{bob.id}")
    assert removed.status_code == 204
    assert not await TeamMember.exists(team=team, user=bob)
    actions = set(await AuditEvent.all().values_list("action", flat=True))
    assert {"member.added", "member.role_changed", "member.removed"} <= actions


async def test_roles_limit_member_management(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    admin = await add_user(team, "admin@example.com", Role.ADMIN)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    base = f"/api/v1/teams/{team.slug}/members"
    async with client_for(autostack, await token_for(member)) as http:
        denied = await http.patch(f"{base}/{admin.id}", json={"role": "viewer"})
        assert denied.status_code == 403
        assert "admin role" in denied.json()["error"]["message"]
    async with client_for(autostack, await token_for(admin)) as http:
        promote = await http.patch(f"{base}/{member.id}", json={"role": "owner"})
        demote_owner = await http.patch(f"{base}/{owner.id}", json={"role": "viewer"})
        remove_owner = await http.delete(f"{base}/{owner.id}")
        assert promote.status_code == demote_owner.status_code == remove_owner.status_code == 403
        assert (await http.patch(f"{base}/{member.id}", json={"role": "viewer"})).status_code \
            == 200
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.delete(f"{base}/{member.id}")).status_code == 204  # leaving


async def test_the_creator_and_the_last_owner_are_protected(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    team = await personal_team(owner)
    base = f"/api/v1/teams/{team.slug}/members"
    demote = await api.patch(f"{base}/{owner.id}", json={"role": "admin"})
    leave = await api.delete(f"{base}/{owner.id}")
    assert demote.status_code == leave.status_code == 409
    co_owner = await add_user(team, "co@example.com", Role.OWNER)
    async with client_for(autostack, await token_for(co_owner)) as http:
        assert (await http.delete(f"{base}/{owner.id}")).status_code == 409
    assert (await api.patch(f"{base}/{co_owner.id}", json={"role": "member"})).status_code == 200
    assert await TeamMember.filter(team=team, role=Role.OWNER).count() == 1


async def test_invitations_are_accepted_by_the_invited_email(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    team = await personal_team(owner)
    invited = await api.post(f"/api/v1/teams/{team.slug}/invitations",
                             json={"email": "Carol@example.com", "role": "member"})
    assert invited.status_code == 201
    token = invited.json()["token"]
    listed = await api.get(f"/api/v1/teams/{team.slug}/invitations")
    assert [i["email"] for i in listed.json()["invitations"]] == ["carol@example.com"]
    mallory = await accounts.create_user("mallory@example.com", PASSWORD)
    carol = await accounts.create_user("carol@example.com", PASSWORD)
    async with client_for(autostack, await token_for(mallory)) as http:
        stolen = await http.post("/api/v1/invitations/accept", json={"token": token})
        assert stolen.status_code == 404
    async with client_for(autostack, await token_for(carol)) as http:
        accepted = await http.post("/api/v1/invitations/accept", json={"token": token})
        assert accepted.json()["team"]["role"] == "member"
        again = await http.post("/api/v1/invitations/accept", json={"token": token})
        assert again.status_code == 404
    assert (await api.get(f"/api/v1/teams/{team.slug}/invitations")).json()["invitations"] == []


async def test_withdraw_an_invitation(api: httpx.AsyncClient, owner: User) -> None:
    team: Team = await personal_team(owner)
    invited = await api.post(f"/api/v1/teams/{team.slug}/invitations",
                             json={"email": "dan@example.com"})
    invitation_id = invited.json()["invitation"]["id"]
    base = f"/api/v1/teams/{team.slug}/invitations"
    assert (await api.delete(f"{base}/{invitation_id}")).status_code == 204
    assert (await api.delete(f"{base}/{invitation_id}")).status_code == 404
