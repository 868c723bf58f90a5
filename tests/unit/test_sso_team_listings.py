"""Team listings of a team that enforces single sign-on (issue 23): as on Vercel, a member
signed in with a password still sees the team listed, marked so they are asked to sign in
through its provider, and its contents stay refused (the dashboard's project cards too).
The real OIDC provider on the loopback (:mod:`tests.oidc_provider`) is only the issuer
the settings are checked against here.
"""

from __future__ import annotations

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, Role, Team, TeamMember, User
from autostack_core.infrastructure.models.sso import TeamSso
from tests.fixtures_auth import add_user, client_for, owner, token_for
from tests.oidc_provider import PROVIDER_WARNINGS, issuer
from tests.web_fixtures import log_in

__all__ = ["issuer", "owner"]
pytestmark = PROVIDER_WARNINGS


async def test_a_password_session_sees_the_team_marked_and_is_sent_to_its_sso(
        autostack: AutoStack, owner: User, issuer: str) -> None:
    team = await Team.create(name="Acme", slug="acme", owner=owner)
    await TeamMember.create(team=team, user=owner, role=Role.OWNER)
    ada = await add_user(team, "ada@acme.test", Role.ADMIN)
    await Project.create(name="secret-launch", team=team)
    config = TeamSso(team=team, issuer=issuer, client_id="autostack", enforced=True)
    config.client_secret = "s3cret-value"
    await config.save()
    async with client_for(autostack) as http:
        await log_in(http, "ada@acme.test")
        listed = {item["slug"]: item for item in (await http.get("/api/v1/teams")).json()["teams"]}
        assert listed["acme"]["name"] == "Acme" and listed["acme"]["sso_required"] is True
        assert listed["acme"]["sso_login_url"] == "/auth/sso/acme/login"
        personal = next(item for item in listed.values() if item["is_personal"])
        assert "sso_required" not in personal and "sso_login_url" not in personal
        home = await http.get("/dashboard")
        assert home.status_code == 200 and "Acme (sign in with SSO)" in home.text
        chosen = await http.get("/dashboard", params={"team": "acme"})
        assert chosen.status_code == 403 and "secret-launch" not in chosen.text
        assert 'href="/auth/sso/acme/login"' in chosen.text
    async with client_for(autostack) as http:  # the owner is exempt, as everywhere
        await log_in(http)
        listed = {item["slug"]: item for item in (await http.get("/api/v1/teams")).json()["teams"]}
        assert "sso_required" not in listed["acme"]
        assert "secret-launch" in (await http.get("/dashboard", params={"team": "acme"})).text
    async with client_for(autostack, await token_for(ada)) as api:  # a token, no SSO sign-in
        teams = (await api.get("/api/v1/teams")).json()["teams"]
        assert next(item for item in teams if item["slug"] == "acme").get("sso_required")
