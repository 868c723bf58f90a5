"""The team's single sign-on page, and the dashboard refusing a password session of a team
that requires SSO (with the way in), against a real provider (:mod:`tests.oidc_provider`)."""

from __future__ import annotations

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Role, Team, TeamMember, User
from autostack_core.infrastructure.models.sso import TeamSso
from tests.fixtures_auth import add_user, client_for, owner
from tests.oidc_provider import PROVIDER_WARNINGS, issuer
from tests.web_fixtures import log_in

__all__ = ["issuer", "owner"]
pytestmark = PROVIDER_WARNINGS


async def test_owner_sets_up_sso_and_members_are_then_sent_to_it(
        autostack: AutoStack, owner: User, issuer: str) -> None:
    team = await Team.create(name="Acme", slug="acme", owner=owner)
    await TeamMember.create(team=team, user=owner, role=Role.OWNER)
    await add_user(team, "ada@acme.test", Role.ADMIN)
    await add_user(team, "max@acme.test", Role.MEMBER)
    async with client_for(autostack) as http:
        token = await log_in(http)
        page = await http.get("/teams/acme/sso")
        assert page.status_code == 200 and "/auth/sso/acme/callback" in page.text
        form = {"csrf_token": token, "issuer": issuer, "client_id": "autostack",
                "client_secret": "s3cret-value", "role_claim": "groups",
                "role_map": "platform-admins = admin\nengineers = member",
                "default_role": "viewer", "allowed_domains": "acme.test", "enforced": "on"}
        bad = await http.post("/teams/acme/sso", data={**form, "role_map": "engineers"})
        assert bad.status_code == 422 and "line 1" in bad.text
        assert not await TeamSso.exists(team=team)
        saved = await http.post("/teams/acme/sso", data=form)
        assert saved.status_code == 303, saved.text
        shown = await http.get("/teams/acme/sso")
        assert "required for members" in shown.text and "s3cret-value" not in shown.text
    config = await TeamSso.get(team=team)
    assert config.role_map == {"platform-admins": "admin", "engineers": "member"}
    assert config.default_role == Role.VIEWER and config.allowed_domains == ["acme.test"]
    assert config.client_secret == "s3cret-value"
    async with client_for(autostack) as http:
        await log_in(http, "ada@acme.test")
        refused = await http.get("/teams/acme")
        assert refused.status_code == 403
        assert 'href="/auth/sso/acme/login"' in refused.text
    async with client_for(autostack) as http:
        await log_in(http, "max@acme.test")
        assert (await http.get("/teams/acme/sso")).status_code == 403
    async with client_for(autostack) as http:
        login = await http.get("/login")
        assert 'href="/auth/sso?next=' in login.text
        chosen = await http.get("/auth/sso", params={"team": "acme"})
        assert chosen.headers["location"] == "/auth/sso/acme/login"
        begin = await http.get(chosen.headers["location"])
        assert begin.status_code == 303 and begin.headers["location"].startswith(issuer)
