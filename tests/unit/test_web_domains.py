"""Custom domains on the settings page: add, the records to create, verify, remove, roles.

DNS answers come from pebble-challtestsrv on the loopback, like the domains API tests.
"""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Domain, Project, Role, User
from tests.acme_standin import ChallTestSrv, dns_server, needs_pebble
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import log_in, signed_in

__all__ = ["dns_server", "owner", "signed_in"]

pytestmark = needs_pebble
SETTINGS = "/projects/shop/settings"
Client = tuple[httpx.AsyncClient, str]


@pytest.fixture
def settings(settings: Settings, dns_server: ChallTestSrv) -> Settings:
    return replace(settings, dns_resolvers=(dns_server.resolver,))


@pytest.fixture
async def shop(owner: User) -> Project:
    return await Project.create(name="shop", team=await personal_team(owner), user=owner)


async def test_add_shows_the_records_then_verify_and_remove(
    shop: Project, signed_in: Client, dns_server: ChallTestSrv
) -> None:
    http, token = signed_in
    added = await http.post(f"{SETTINGS}/domains", data={
        "csrf_token": token, "domain": "Shop.Example.test"})
    assert added.status_code == 201
    assert "shop.example.test added" in added.text
    assert "_autostack-challenge.shop.example.test" in added.text
    domain = await Domain.get(domain_name="shop.example.test")
    assert domain.verification_token in added.text and "not verified" in added.text

    early = await http.post(f"{SETTINGS}/domains/shop.example.test/verify",
                            data={"csrf_token": token})
    assert "is not verified yet" in early.text
    dns_server.set_txt("_autostack-challenge.shop.example.test", domain.verification_token)
    verified = await http.post(f"{SETTINGS}/domains/shop.example.test/verify",
                               data={"csrf_token": token})
    assert "shop.example.test is verified" in verified.text
    assert (await Domain.get(domain_name="shop.example.test")).is_verified

    removed = await http.post(f"{SETTINGS}/domains/shop.example.test/delete",
                              data={"csrf_token": token})
    assert removed.status_code == 303
    assert not await Domain.exists(domain_name="shop.example.test")


async def test_a_bad_domain_names_the_field_and_stores_nothing(
    shop: Project, signed_in: Client
) -> None:
    http, token = signed_in
    response = await http.post(f"{SETTINGS}/domains", data={
        "csrf_token": token, "domain": "1.2.3.4"})
    assert response.status_code == 422
    assert "IP address" in response.text
    assert await Domain.all().count() == 0


async def test_members_see_domains_but_cannot_add_them(
    autostack: AutoStack, shop: Project, owner: User
) -> None:
    await add_user(await personal_team(owner), "member@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        token = await log_in(http, "member@example.com")
        page = await http.get(SETTINGS)
        assert page.status_code == 200 and 'id="domains"' in page.text
        assert 'action="/projects/shop/settings/domains"' not in page.text
        refused = await http.post(f"{SETTINGS}/domains", data={
            "csrf_token": token, "domain": "member.example.test"})
    assert refused.status_code == 403
    assert await Domain.all().count() == 0


async def test_records_are_a_for_an_apex_and_a_cname_for_a_subdomain(
    shop: Project, signed_in: Client
) -> None:
    http, token = signed_in
    apex = await http.post(f"{SETTINGS}/domains", data={
        "csrf_token": token, "domain": "example.test"})
    assert apex.status_code == 201
    assert "<td>A</td><td><code>example.test</code></td>" in apex.text
    assert "<td>CNAME</td><td><code>example.test</code>" not in apex.text
    assert "set AUTOSTACK_PUBLIC_IPS" in apex.text  # the server's address is unknown
    sub = await http.post(f"{SETTINGS}/domains", data={
        "csrf_token": token, "domain": "app.example.test"})
    assert "<td>CNAME</td><td><code>app.example.test</code></td><td><code>localhost" in sub.text
    assert "<td>A</td><td><code>app.example.test</code>" not in sub.text
    assert "<td>TXT</td><td><code>_autostack-challenge.app.example.test</code>" in sub.text


async def test_a_bad_branch_is_shown_at_its_field_and_stores_nothing(
    shop: Project, signed_in: Client
) -> None:
    http, token = signed_in
    response = await http.post(f"{SETTINGS}/domains", data={
        "csrf_token": token, "domain": "staging.example.test",
        "domain_branch": "no such branch !!"})
    assert response.status_code == 422
    assert 'aria-describedby="e-domain_branch"' in response.text
    assert "cannot contain space" in response.text
    assert await Domain.all().count() == 0
