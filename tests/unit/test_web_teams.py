"""The team page: members and roles, invitations shown once and accepted, new teams."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, Role, Team, TeamMember, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import csrf_of, log_in

__all__ = ["owner"]


async def test_invite_accept_and_change_roles(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    async with client_for(autostack) as http:
        token = await log_in(http)
        bad = await http.post(f"/teams/{team.slug}/invitations", data={
            "csrf_token": token, "email": "sam@example.com", "role": "king"})
        assert bad.status_code == 422 and "role: choose one of" in bad.text
        invited = await http.post(f"/teams/{team.slug}/invitations", data={
            "csrf_token": token, "email": "sam@example.com", "role": "member"})
        assert invited.status_code == 201
        link = re.search(r'id="invite-link" class="mono" readonly value="([^"]+)"', invited.text)
        assert link is not None
        page = await http.get(f"/teams/{team.slug}")
        assert "sam@example.com" in page.text and link.group(1) not in page.text
    sam = await add_user(await Team.create(name="x", slug="x", owner=owner), "sam@example.com",
                         Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "sam@example.com")
        path = link.group(1).split("testserver", 1)[-1].removeprefix(":8000")
        path = path[path.index("/invitations"):]
        confirm = await http.get(path)
        assert "Join " in confirm.text
        joined = await http.post(path, data={"csrf_token": token})
        assert joined.status_code == 303
        member = await TeamMember.get(team=team, user=sam)
        assert member.role == Role.MEMBER
        refused = await http.post(f"/teams/{team.slug}/members/{sam.id}/role", data={
            "csrf_token": token, "role": "admin"})
        assert refused.status_code == 403
    async with client_for(autostack) as http:
        token = await log_in(http)
        promoted = await http.post(f"/teams/{team.slug}/members/{sam.id}/role", data={
            "csrf_token": token, "role": "admin"})
        assert promoted.status_code == 303
        creator = await http.post(f"/teams/{team.slug}/members/{owner.id}/remove", data={
            "csrf_token": token})
        assert creator.status_code == 409 and "creator cannot be removed" in creator.text
        created = await http.post("/teams", data={"csrf_token": token, "team_name": "Acme"})
        assert created.headers["location"] == "/teams/acme"
    assert (await TeamMember.get(team=team, user=sam)).role == Role.ADMIN


async def test_non_members_get_404(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    other = await add_user(await Team.create(name="y", slug="y", owner=owner),
                           "other@example.com", Role.OWNER)
    assert other is not None
    async with client_for(autostack) as http:
        await log_in(http, "other@example.com")
        assert (await http.get(f"/teams/{team.slug}")).status_code == 404


async def test_an_invitation_opened_signed_out_lands_on_sign_up_and_is_kept(
    autostack: AutoStack, owner: User
) -> None:
    team = await personal_team(owner)
    async with client_for(autostack) as http:
        token = await log_in(http)
        invited = await http.post(f"/teams/{team.slug}/invitations", data={
            "csrf_token": token, "email": "new@example.com", "role": "member"})
    link = re.search(r'id="invite-link" class="mono" readonly value="([^"]+)"', invited.text)
    assert link is not None
    path = link.group(1)[link.group(1).index("/invitations"):].replace("&amp;", "&")
    async with client_for(autostack) as http:
        opened = await http.get(path)
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/signup?{urlencode({'next': path})}"
        signup = await http.get(opened.headers["location"])
        assert "You were invited to a team" in signup.text
        kept = f'?next={quote(path, safe="/")}'  # as Jinja's urlencode writes it
        assert f'href="/login{kept}">Log in</a>' in signup.text  # the header keeps it too
        assert f'href="/signup{kept}">Sign up</a>' in signup.text
        signed_up = await http.post(f"/signup{kept}", data={
            "csrf_token": csrf_of(signup), "email": "new@example.com", "name": "New",
            "password": "correct horse battery"})
        assert signed_up.status_code == 303 and signed_up.headers["location"] == path
        join = await http.get(path)
        assert "Join the team</button>" in join.text
        joined = await http.post(path, data={"csrf_token": csrf_of(join)})
        assert joined.status_code == 303
    assert await TeamMember.filter(team=team, user__email="new@example.com").exists()


async def test_the_team_tab_keeps_its_project(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    await Project.create(name="site", team=team)
    elsewhere = await Team.create(name="Other", slug="other", owner=owner)
    await Project.create(name="theirs", team=elsewhere)
    async with client_for(autostack) as http:
        await log_in(http)
        page = await http.get(f"/teams/{team.slug}", params={"project": "site"})
        assert 'aria-label="Project"' in page.text and 'href="/projects/site"' in page.text
        assert f'href="/teams/{team.slug}?project=site" aria-current="page">Team</a>' in page.text
        other = await http.get(f"/teams/{team.slug}", params={"project": "theirs"})
        assert other.status_code == 200 and 'aria-label="Project"' not in other.text


async def test_the_same_email_is_not_invited_twice(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    async with client_for(autostack) as http:
        token = await log_in(http)
        form = {"csrf_token": token, "email": "sam@example.com", "role": "member"}
        assert (await http.post(f"/teams/{team.slug}/invitations", data=form)).status_code == 201
        again = await http.post(f"/teams/{team.slug}/invitations",
                                data={**form, "email": "Sam@Example.com"})
        assert again.status_code == 409
        assert "sam@example.com is already invited; withdraw that invitation" in again.text
        assert 'aria-describedby="e-email"' in again.text  # shown at the e-mail field
