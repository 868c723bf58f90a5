"""The team's audit log page: owners and admins read the changes, filter them with a GET form
and page back; members are refused, and dashboard changes are recorded with the session's user."""

from __future__ import annotations

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, Invitation, Project, Role, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import log_in

__all__ = ["owner"]

SECRET = "dashboard-secret-value"


async def test_admins_read_filter_and_page_the_log(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    await Project.create(name="site", team=team)
    async with client_for(autostack) as http:
        token = await log_in(http)
        for key in ("FIRST", "SECOND"):
            added = await http.post("/projects/site/settings/env", data={
                "csrf_token": token, "key": key, "value": SECRET,
                "environments": "production"})
            assert added.status_code in (201, 303), added.text
        team_page = await http.get(f"/teams/{team.slug}")
        assert f'href="/teams/{team.slug}/audit"' in team_page.text
        page = await http.get(f"/teams/{team.slug}/audit")
        assert page.status_code == 200
        assert "env.created" in page.text and owner.email in page.text
        assert "value: [redacted]" in page.text and SECRET not in page.text
        one = await http.get(f"/teams/{team.slug}/audit",
                             params={"action": "env", "target": "env:FIRST"})
        assert "env:FIRST" in one.text and "env:SECOND" not in one.text
        first_page = await http.get(f"/teams/{team.slug}/audit",
                                    params={"action": "env.created", "limit": "1"})
        assert "env:SECOND" in first_page.text and "env:FIRST" not in first_page.text
        assert 'rel="next"' in first_page.text
        older = first_page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second_page = await http.get(f"/teams/{team.slug}/audit{older.replace('&amp;', '&')}")
        assert "env:FIRST" in second_page.text and "env:SECOND" not in second_page.text
        bad = await http.get(f"/teams/{team.slug}/audit", params={"since": "last tuesday"})
        assert bad.status_code == 422 and "since: use a date or time" in bad.text
    event = await AuditEvent.filter(action="env.created").first()
    assert event is not None and event.actor == owner.email and event.token_name == ""


async def test_members_are_refused(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    await add_user(team, "mia@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        await log_in(http, "mia@example.com")
        refused = await http.get(f"/teams/{team.slug}/audit")
        assert refused.status_code == 403
        assert "the audit log is for the team&#39;s owners and admins" in refused.text
        team_page = await http.get(f"/teams/{team.slug}")
        assert f"/teams/{team.slug}/audit" not in team_page.text


async def test_a_domain_added_from_the_dashboard_is_recorded_as_from_the_api(
        autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    await Project.create(name="site", team=team)
    async with client_for(autostack) as http:
        token = await log_in(http)
        added = await http.post("/projects/site/settings/domains", data={
            "csrf_token": token, "domain": "www.example.test"})
        assert added.status_code == 201, added.text
    event = await AuditEvent.get(action="domain.added")
    assert (event.actor, event.target_type, event.target_id, event.project) == (
        owner.email, "domain", "www.example.test", "site")
    assert event.after is not None and event.after["domain"] == "www.example.test"


async def test_withdrawing_an_invitation_from_the_dashboard_is_recorded(
        autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    async with client_for(autostack) as http:
        token = await log_in(http)
        invited = await http.post(f"/teams/{team.slug}/invitations", data={
            "csrf_token": token, "email": "sam@example.com", "role": "member"})
        assert invited.status_code == 201
        invitation = await Invitation.get(email="sam@example.com")
        withdrawn = await http.post(
            f"/teams/{team.slug}/invitations/{invitation.id}/withdraw", data={"csrf_token": token})
        assert withdrawn.status_code == 303
    assert not await Invitation.exists(id=invitation.id)
    event = await AuditEvent.get(action="invitation.deleted")
    assert (event.actor, event.target_id, event.team_id) == (  # type: ignore[attr-defined]
        owner.email, str(invitation.id), team.id)
