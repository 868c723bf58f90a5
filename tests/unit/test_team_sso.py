"""Team single sign-on through a real OpenID Connect provider on the loopback
(:mod:`tests.oidc_provider`), over real HTTP through AutoStack's outbound
allow-list (the tests allow the loopback): the whole authorization-code flow,
role mapping, just-in-time membership and enforcement.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Plan,
    Role,
    Team,
    TeamMember,
    User,
    UserSession,
)
from autostack_core.infrastructure.models.sso import TeamSso
from autostack_core.security import accounts
from tests.fixtures_auth import PASSWORD, Browser, browser, client_for, owner, token_for
from tests.oidc_provider import PROVIDER_WARNINGS, issuer, person

__all__ = ["browser", "issuer", "owner"]
pytestmark = PROVIDER_WARNINGS

ROLES = {"platform-admins": "admin", "engineers": "member", "auditors": "viewer"}


async def team_with_sso(browser: Browser, issuer: str, **extra: Any) -> Team:
    created = await browser.http.post("/api/v1/teams", json={"name": "Acme", "slug": "acme"},
                                      headers={"X-CSRF-Token": browser.csrf})
    assert created.status_code == 201, created.text
    body = {"issuer": issuer, "client_id": "autostack", "client_secret": "s3cret-value",
            "role_map": ROLES, **extra}
    saved = await browser.http.put("/api/v1/teams/acme/sso", json=body,
                                   headers={"X-CSRF-Token": browser.csrf})
    assert saved.status_code == 200, saved.text
    assert saved.json()["sso"]["client_secret_set"] is True
    assert "s3cret-value" not in saved.text
    return await Team.get(slug="acme")


async def sso_sign_in(http: httpx.AsyncClient, sub: str, next_url: str = "/dashboard"
                      ) -> httpx.Response:
    """The whole authorization-code flow: AutoStack -> provider's form -> callback."""
    begin = await http.get("/auth/sso/acme/login", params={"next": next_url})
    assert begin.status_code == 303, begin.text
    authorize = begin.headers["location"]
    query = dict(httpx.URL(authorize).params)
    assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
    async with httpx.AsyncClient() as outside:
        approved = await outside.post(authorize, data={"sub": sub})
    assert approved.status_code in (302, 303), approved.text
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/auth/sso/acme/callback"
    return await http.get(f"{callback.path}?{callback.query}")


async def test_sso_creates_the_member_just_in_time_with_the_mapped_role(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    team = await team_with_sso(browser, issuer)
    await person(issuer, "u-1", email="dana@acme.test", name="Dana",
                 groups=["everyone", "engineers", "platform-admins"])
    async with client_for(autostack) as http:
        done = await sso_sign_in(http, "u-1", "/dashboard/teams/acme")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/dashboard/teams/acme"
        me = await http.get("/api/v1/user")
        assert me.status_code == 200 and me.json()["user"]["email"] == "dana@acme.test"
        members = await http.get("/api/v1/teams/acme/members")
        assert members.status_code == 200, members.text
    dana = await User.get(email="dana@acme.test")
    assert dana.password_hash is None
    member = await TeamMember.get(team=team, user=dana)
    assert member.role == Role.ADMIN  # the highest of the mapped groups
    assert await AuditEvent.exists(action="member.joined_sso", team=team)
    stored = await TeamSso.get(team=team)
    assert "s3cret-value" not in stored.client_secret_sealed
    assert stored.client_secret == "s3cret-value"


async def test_the_role_follows_the_provider_at_each_sign_in(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    team = await team_with_sso(browser, issuer)
    await person(issuer, "u-2", email="eli@acme.test", groups=["engineers"])
    async with client_for(autostack) as http:
        assert (await sso_sign_in(http, "u-2")).status_code == 303
    eli = await User.get(email="eli@acme.test")
    assert (await TeamMember.get(team=team, user=eli)).role == Role.MEMBER
    await person(issuer, "u-2", email="eli@acme.test", groups=["auditors"])
    async with client_for(autostack) as http:
        assert (await sso_sign_in(http, "u-2")).status_code == 303
    assert (await TeamMember.get(team=team, user=eli)).role == Role.VIEWER
    assert await User.filter(email="eli@acme.test").count() == 1


async def test_no_mapped_role_and_no_default_is_refused(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    await team_with_sso(browser, issuer, default_role=None)
    await person(issuer, "u-3", email="fay@acme.test", groups=["marketing"])
    async with client_for(autostack) as http:
        refused = await sso_sign_in(http, "u-3")
    assert refused.status_code == 400
    assert "no role for this team" in refused.text
    assert not await User.exists(email="fay@acme.test")


async def test_a_full_team_refuses_a_new_member_and_keeps_its_members(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    """Just-in-time membership counts against the plan's members (issue 23)."""
    team = await team_with_sso(browser, issuer)
    team.plan = await Plan.create(slug="duo", name="Duo", members=2)
    await team.save()
    await person(issuer, "u-8", email="ida@acme.test", groups=["engineers"])
    await person(issuer, "u-9", email="jo@acme.test", groups=["engineers"])
    async with client_for(autostack) as http:
        assert (await sso_sign_in(http, "u-8")).status_code == 303  # the 2nd member
    async with client_for(autostack) as http:
        refused = await sso_sign_in(http, "u-9")
    assert refused.status_code == 402
    assert "the team Acme is full" in refused.text and "the Duo plan allows 2" in refused.text
    assert not await User.exists(email="jo@acme.test")
    assert await TeamMember.filter(team=team).count() == 2
    async with client_for(autostack) as http:  # a member already in signs in as before
        assert (await sso_sign_in(http, "u-8")).status_code == 303


async def test_allowed_domains_refuse_other_addresses(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    await team_with_sso(browser, issuer, allowed_domains=["acme.test"])
    await person(issuer, "u-4", email="gil@elsewhere.test", groups=["engineers"])
    async with client_for(autostack) as http:
        refused = await sso_sign_in(http, "u-4")
    assert refused.status_code == 400
    assert "elsewhere.test may not sign in" in refused.text


async def test_an_existing_account_is_not_taken_over_by_email(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    """A team's provider could claim any address: an account it did not create is linked
    only from a session that logged in to that account."""
    team = await team_with_sso(browser, issuer)
    victim = await accounts.create_user("hal@acme.test", PASSWORD)
    await person(issuer, "u-5", email="hal@acme.test", groups=["engineers"])
    async with client_for(autostack) as http:
        refused = await sso_sign_in(http, "u-5")
    assert refused.status_code == 400 and "log in to it" in refused.text
    assert not await TeamMember.exists(team=team, user=victim)
    async with client_for(autostack) as http:
        login = await http.post("/api/v1/auth/login",
                                json={"email": "hal@acme.test", "password": PASSWORD})
        assert login.status_code == 200
        assert (await sso_sign_in(http, "u-5")).status_code == 303
    assert (await TeamMember.get(team=team, user=victim)).role == Role.MEMBER


async def test_enforced_sso_refuses_a_password_session_and_names_the_way_in(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    team = await team_with_sso(browser, issuer, enforced=True)
    await person(issuer, "u-6", email="ivy@acme.test", groups=["engineers"])
    ivy = await accounts.create_user("ivy@acme.test", PASSWORD)
    await TeamMember.create(team=team, user=ivy, role=Role.MEMBER)
    async with client_for(autostack) as http:
        login = await http.post("/api/v1/auth/login",
                                json={"email": "ivy@acme.test", "password": PASSWORD})
        assert login.status_code == 200
        refused = await http.get("/api/v1/teams/acme/members")
        assert refused.status_code == 403
        assert "/auth/sso/acme/login" in refused.json()["error"]["message"]
        assert (await sso_sign_in(http, "u-6")).status_code == 303
        allowed = await http.get("/api/v1/teams/acme/members")
        assert allowed.status_code == 200, allowed.text
    # The owner who set it up keeps access with a password session (no lock-out).
    assert (await browser.http.get("/api/v1/teams/acme/sso")).status_code == 200


async def test_a_tampered_state_or_a_foreign_browser_is_refused(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    await team_with_sso(browser, issuer)
    await person(issuer, "u-7", email="jo@acme.test", groups=["engineers"])
    async with client_for(autostack) as http:
        begin = await http.get("/auth/sso/acme/login")
        async with httpx.AsyncClient() as outside:
            approved = await outside.post(begin.headers["location"], data={"sub": "u-7"})
        callback = urlsplit(approved.headers["location"])
        async with client_for(autostack) as other_browser:
            foreign = await other_browser.get(f"{callback.path}?{callback.query}")
        assert foreign.status_code == 400 and "another browser" in foreign.text
        forged = callback.query.replace("state=", "state=x")
        tampered = await http.get(f"{callback.path}?{forged}")
        assert tampered.status_code == 400
    assert not await User.exists(email="jo@acme.test")


async def test_settings_need_an_owner_and_a_real_issuer(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    await team_with_sso(browser, issuer)
    wrong = await browser.http.put(
        "/api/v1/teams/acme/sso", json={"issuer": f"{issuer}/nope", "client_id": "x"},
        headers={"X-CSRF-Token": browser.csrf})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "issuer"
    bad_role = await browser.http.put(
        "/api/v1/teams/acme/sso",
        json={"issuer": issuer, "client_id": "x", "role_map": {"g": "king"}},
        headers={"X-CSRF-Token": browser.csrf})
    assert bad_role.status_code == 422 and bad_role.json()["error"]["field"] == "role_map"
    team = await Team.get(slug="acme")
    member = await accounts.create_user("kim@acme.test", PASSWORD)
    await TeamMember.create(team=team, user=member, role=Role.ADMIN)
    async with client_for(autostack) as http:
        login = await http.post("/api/v1/auth/login", json={"email": "kim@acme.test",
                                                              "password": PASSWORD})
        put = await http.put("/api/v1/teams/acme/sso", json={"issuer": issuer, "client_id": "y"},
                             headers={"X-CSRF-Token": login.json()["csrf_token"]})
        assert put.status_code == 403
    assert (await TeamSso.get(team=team)).client_id == "autostack"


async def test_an_api_token_works_on_an_sso_team_while_its_user_has_an_sso_sign_in(
        autostack: AutoStack, browser: Browser, issuer: str) -> None:
    team = await team_with_sso(browser, issuer, enforced=True)
    await person(issuer, "u-8", email="lee@acme.test", groups=["engineers"])
    lee = await accounts.create_user("lee@acme.test", PASSWORD)
    await TeamMember.create(team=team, user=lee, role=Role.MEMBER)
    async with client_for(autostack, await token_for(lee)) as cli:
        refused = await cli.get("/api/v1/teams/acme/members")
        assert refused.status_code == 403
        assert "/auth/sso/acme/login" in refused.json()["error"]["message"]
        async with client_for(autostack) as http:
            login = await http.post("/api/v1/auth/login",
                                    json={"email": "lee@acme.test", "password": PASSWORD})
            assert login.status_code == 200
            assert (await sso_sign_in(http, "u-8")).status_code == 303
            assert (await cli.get("/api/v1/teams/acme/members")).status_code == 200
            signed_out = await http.post("/api/v1/auth/logout", headers={
                "X-CSRF-Token": (await UserSession.get(user=lee)).csrf_token})
            assert signed_out.status_code in (200, 204), signed_out.text
        assert (await cli.get("/api/v1/teams/acme/members")).status_code == 403
