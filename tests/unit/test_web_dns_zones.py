"""DNS zones on the team page, and what the domains section shows of them.

Plain form posts, no JavaScript. Route53 is moto's server on the loopback (the
allowed stand-in for AWS); public DNS is pebble-challtestsrv, as in the other
domain tests.
"""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import ConnectedZone, Project, Role, User
from tests.acme_standin import ChallTestSrv, dns_server, needs_pebble
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.moto_standin import MotoServer, hosted_zone, moto, moto_server, needs_moto, record_sets
from tests.queue_runner import run_queued
from tests.web_fixtures import log_in, signed_in

__all__ = ["dns_server", "moto", "moto_server", "owner", "signed_in"]

pytestmark = [needs_moto, needs_pebble]
Client = tuple[httpx.AsyncClient, str]
SECRET = "wJalrXUtnFEMI-web-secret"


@pytest.fixture
def settings(settings: Settings, dns_server: ChallTestSrv, moto: MotoServer) -> Settings:
    return replace(settings, dns_resolvers=(dns_server.resolver,),
                   public_ips=("203.0.113.7", "2001:db8::7"), dns_endpoint_urls=(moto.url,))


@pytest.fixture
async def team_url(owner: User) -> str:
    return f"/teams/{(await personal_team(owner)).slug}"


def form(token: str, moto: MotoServer, zone_id: str) -> dict[str, str]:
    return {"csrf_token": token, "dns_host": "route53", "hosted_zone_id": zone_id,
            "access_key_id": "AKIAWEB", "secret_access_key": SECRET, "region": "",
            "endpoint_url": moto.url}


async def test_connect_list_and_disconnect(
    signed_in: Client, team_url: str, moto: MotoServer,
) -> None:
    http, token = signed_in
    page = await http.get(team_url)
    assert 'id="dns-zones"' in page.text and "No DNS zones connected." in page.text
    assert '<label for="f-route53-hosted_zone_id">Hosted zone ID</label>' in page.text
    assert 'name="secret_access_key" type="password"' in page.text

    zone_id = hosted_zone(moto, "example.test")
    connected = await http.post(f"{team_url}/dns-zones", data=form(token, moto, zone_id))
    assert connected.status_code == 201, connected.text
    assert "example.test connected" in connected.text
    assert SECRET not in connected.text and "AKIAWEB" not in connected.text
    zone = await ConnectedZone.get(zone_name="example.test")

    forged = await http.post(f"{team_url}/dns-zones/{zone.id}/disconnect",
                             data={"csrf_token": "forged"})
    assert forged.status_code == 403 and await ConnectedZone.exists()
    gone = await http.post(f"{team_url}/dns-zones/{zone.id}/disconnect",
                           data={"csrf_token": token})
    assert gone.status_code == 303 and not await ConnectedZone.exists()


async def test_a_refused_zone_names_the_field_and_keeps_no_secret(
    signed_in: Client, team_url: str, moto: MotoServer,
) -> None:
    http, token = signed_in
    refused = await http.post(f"{team_url}/dns-zones", data=form(token, moto, "Z0NOSUCH"))
    assert refused.status_code == 422
    assert 'id="f-route53-hosted_zone_id" name="hosted_zone_id" type="text" autocomplete="off" ' \
           'value="Z0NOSUCH" aria-invalid="true"' in refused.text
    assert "there is no hosted zone with this ID" in refused.text
    assert SECRET not in refused.text
    assert not await ConnectedZone.exists()


async def test_members_see_zones_but_cannot_connect(
    autostack: AutoStack, signed_in: Client, team_url: str, moto: MotoServer, owner: User,
) -> None:
    http, token = signed_in
    zone_id = hosted_zone(moto, "example.test")
    assert (await http.post(f"{team_url}/dns-zones",
                            data=form(token, moto, zone_id))).status_code == 201
    await add_user(await personal_team(owner), "member@example.com", Role.MEMBER)
    async with client_for(autostack) as member:
        member_token = await log_in(member, "member@example.com")
        page = await member.get(team_url)
        assert "example.test" in page.text and 'action="' + team_url + '/dns-zones"' \
            not in page.text
        refused = await member.post(f"{team_url}/dns-zones",
                                    data=form(member_token, moto, zone_id))
    assert refused.status_code == 403
    assert await ConnectedZone.all().count() == 1


async def test_the_domains_section_shows_the_zone_and_the_aaaa_record(
    autostack: AutoStack, signed_in: Client, team_url: str, moto: MotoServer, owner: User,
) -> None:
    http, token = signed_in
    await Project.create(name="shop", team=await personal_team(owner), user=owner)
    zone_id = hosted_zone(moto, "example.test")
    await http.post(f"{team_url}/dns-zones", data=form(token, moto, zone_id))
    added = await http.post("/projects/shop/settings/domains", data={
        "csrf_token": token, "domain": "shop.example.test"})
    assert added.status_code == 201
    assert "AutoStack writes these records in route53 zone <strong>example.test" in added.text
    assert "<td>AAAA</td><td><code>shop.example.test</code></td><td><code>2001:db8::7" \
        in added.text
    assert await run_queued(autostack, "publish_domain_records") == 1
    assert set(record_sets(moto, zone_id)) == {
        ("_autostack-challenge.shop.example.test", "TXT"), ("shop.example.test", "A"),
        ("shop.example.test", "AAAA")}
