"""Connected DNS zones: the API, and the records a domain gets in its team's zone.

Route53 is moto's server on the loopback (the allowed stand-in for AWS; every
call goes there through ``endpoint_url``). Public DNS, through which ownership
is still checked, is pebble-challtestsrv on the loopback, as in the domains
tests: it knows nothing of moto's zone, so a written TXT record verifies nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import ConnectedZone, Domain, Role, User
from autostack_core.security import accounts, keys
from autostack_plugins.domains import dns_zones
from tests.acme_standin import ChallTestSrv, dns_server, needs_pebble
from tests.fixtures_auth import PASSWORD, add_user, api, client_for, owner, personal_team, token_for
from tests.moto_standin import (
    MotoServer,
    hosted_zone,
    moto,
    moto_server,
    needs_moto,
    record_sets,
    strict_moto,
)
from tests.queue_runner import run_queued

__all__ = ["api", "dns_server", "moto", "moto_server", "owner", "strict_moto"]

pytestmark = [needs_moto, needs_pebble]
SECRET = "wJalrXUtnFEMI-very-secret"
DOMAINS = "/api/v1/projects/site/domains"


@pytest.fixture
def settings(settings: Settings, dns_server: ChallTestSrv, moto: MotoServer,
             strict_moto: MotoServer) -> Settings:
    return replace(settings, dns_resolvers=(dns_server.resolver,),
                   dns_endpoint_urls=(moto.url, strict_moto.url))


@pytest.fixture
async def zones_url(owner: User) -> str:
    return f"/api/v1/teams/{(await personal_team(owner)).slug}/dns-zones"


def route53(server: MotoServer, zone_id: str, **changes: str) -> dict[str, object]:
    return {"dns_host": "route53", "config": {
        "hosted_zone_id": zone_id, "access_key_id": server.key_id, "secret_access_key": SECRET,
        "endpoint_url": server.url, **changes}}


async def connected(api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
                    name: str = "example.test") -> str:
    zone_id = hosted_zone(moto, name)
    response = await api.post(zones_url, json=route53(moto, zone_id))
    assert response.status_code == 201, response.text
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code in (201, 409)
    return zone_id


async def test_connect_stores_the_credentials_sealed_and_never_returns_them(
    api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    zone_id = hosted_zone(moto, "Example.test")
    response = await api.post(zones_url, json=route53(moto, f"/hostedzone/{zone_id}"))
    assert response.status_code == 201, response.text
    zone = response.json()["zone"]
    assert zone["zone"] == "example.test" and zone["dns_host"] == "route53"
    listed = await api.get(zones_url)
    assert listed.json() == {"zones": [zone]}
    assert SECRET not in listed.text and "secret_access_key" not in listed.text
    row = await ConnectedZone.get(id=zone["id"])
    assert SECRET not in row.config_sealed and moto.key_id not in row.config_sealed
    assert SECRET in (row.config_json or "")
    again = await api.post(zones_url, json=route53(moto, zone_id))
    assert again.status_code == 409


@pytest.mark.parametrize(("changes", "field"), [
    ({"hosted_zone_id": "Z0NOSUCHZONE"}, "hosted_zone_id"),
    ({"secret_access_key": ""}, "secret_access_key"),
    ({"endpoint_url": "file:///etc/passwd"}, "endpoint_url"),
    ({"password": "x"}, "password"),
    ({"access_key_id": "A" * 2001}, "access_key_id"),
])
async def test_a_refused_config_is_422_naming_the_field_and_stores_nothing(
    api: httpx.AsyncClient, zones_url: str, moto: MotoServer, changes: dict[str, str],
    field: str,
) -> None:
    hosted_zone(moto, "example.test")
    response = await api.post(zones_url, json=route53(moto, "Z0NOSUCHZONE", **changes))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert not await ConnectedZone.exists()
    unknown = await api.post(zones_url, json={"dns_host": "bind", "config": {}})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "dns_host"


async def test_wrong_credentials_are_422_and_store_nothing(
    api: httpx.AsyncClient, zones_url: str, strict_moto: MotoServer,
) -> None:
    response = await api.post(zones_url, json={"dns_host": "route53", "config": {
        "hosted_zone_id": "Z0ANY", "access_key_id": "AKIANOPE", "secret_access_key": "nope",
        "endpoint_url": strict_moto.url}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "access_key_id" and "refused these credentials" in error["message"]
    assert not await ConnectedZone.exists()


async def test_a_domain_in_the_zone_gets_its_txt_and_cname_then_loses_them(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    zone_id = await connected(api, zones_url, moto)
    added = await api.post(DOMAINS, json={"name": "app.example.test"})
    assert added.status_code == 201, added.text
    assert added.json()["domains"][0]["dns_zone"]["zone"] == "example.test"
    assert record_sets(moto, zone_id) == {}  # written by a queued task: the DNS host is slow
    assert await run_queued(autostack, "publish_domain_records") == 1
    domain = (await api.get(f"{DOMAINS}/app.example.test")).json()
    token = domain["verification"]["txt"]["value"]
    assert record_sets(moto, zone_id) == {
        ("_autostack-challenge.app.example.test", "TXT"): [f'"{token}"'],
        ("app.example.test", "CNAME"): ["localhost"],
    }
    assert domain["dns_zone"]["zone"] == "example.test" and domain["dns_zone"]["error"] is None
    # Public DNS does not show the TXT record: writing it proves nothing.
    assert not domain["verified"]
    assert (await api.delete(f"{DOMAINS}/app.example.test")).status_code == 204
    assert record_sets(moto, zone_id) == {}


async def test_public_ips_give_a_and_aaaa_records_even_at_the_apex(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    autostack.settings = replace(autostack.settings,
                                 public_ips=("203.0.113.7", "2001:db8:0::7"))
    zone_id = await connected(api, zones_url, moto)
    assert (await api.post(DOMAINS, json={"name": "example.test"})).status_code == 201
    assert await run_queued(autostack, "publish_domain_records") == 1
    found = record_sets(moto, zone_id)
    assert found[("example.test", "A")] == ["203.0.113.7"]
    assert found[("example.test", "AAAA")] == ["2001:db8::7"]
    assert set(found) == {("_autostack-challenge.example.test", "TXT"), ("example.test", "A"),
                          ("example.test", "AAAA")}
    assert (await api.delete(f"{DOMAINS}/example.test")).status_code == 204
    assert record_sets(moto, zone_id) == {}


async def test_an_apex_without_public_ips_gets_its_txt_and_the_reason(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    zone_id = await connected(api, zones_url, moto)
    added = await api.post(DOMAINS, json={"name": "example.test"})
    assert added.status_code == 201
    assert await run_queued(autostack, "publish_domain_records") == 1
    assert set(record_sets(moto, zone_id)) == {("_autostack-challenge.example.test", "TXT")}
    error = (await api.get(f"{DOMAINS}/example.test")).json()["dns_zone"]["error"]
    assert "apex" in error and "AUTOSTACK_PUBLIC_IPS" in error


async def test_domains_outside_the_zone_touch_nothing(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    zone_id = await connected(api, zones_url, moto)
    for name in ("app.other.test", "notexample.test"):
        added = await api.post(DOMAINS, json={"name": name})
        assert added.status_code == 201 and added.json()["domains"][0]["dns_zone"] is None
    assert await run_queued(autostack, "publish_domain_records") == 0
    assert record_sets(moto, zone_id) == {}
    assert (await api.delete(f"{DOMAINS}/app.other.test")).status_code == 204


async def test_the_longest_zone_holds_the_domain(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    outer = await connected(api, zones_url, moto, "example.test")
    inner = await connected(api, zones_url, moto, "shop.example.test")
    assert (await api.post(DOMAINS, json={"name": "www.shop.example.test"})).status_code == 201
    assert await run_queued(autostack, "publish_domain_records") == 1
    assert record_sets(moto, outer) == {}
    assert set(record_sets(moto, inner)) == {
        ("_autostack-challenge.www.shop.example.test", "TXT"), ("www.shop.example.test", "CNAME")}


async def test_a_dns_host_failure_is_reported_on_the_domain_which_is_still_added(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer,
) -> None:
    zone_id = await connected(api, zones_url, moto)
    moto.client("route53").delete_hosted_zone(Id=zone_id)
    added = await api.post(DOMAINS, json={"name": "app.example.test"})
    assert added.status_code == 201, added.text
    assert await run_queued(autostack, "publish_domain_records") == 1
    error = (await api.get(f"{DOMAINS}/app.example.test")).json()["dns_zone"]["error"]
    assert "TXT _autostack-challenge.app.example.test" in error and "no hosted zone" in error
    assert await Domain.exists(domain_name="app.example.test")
    assert (await api.delete(f"{DOMAINS}/app.example.test")).status_code == 204


async def test_roles_and_teams(
    autostack: AutoStack, api: httpx.AsyncClient, zones_url: str, moto: MotoServer, owner: User,
) -> None:
    zone_id = await connected(api, zones_url, moto)
    zone = (await api.get(zones_url)).json()["zones"][0]
    team = await personal_team(owner)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    viewer = await add_user(team, "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.get(zones_url)).json()["zones"] == [zone]
        assert (await http.post(zones_url, json=route53(moto, zone_id))).status_code == 403
        assert (await http.delete(f"{zones_url}/{zone['id']}")).status_code == 403
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get(zones_url)).status_code == 403
    other = await accounts.create_user("other@example.com", PASSWORD)
    async with client_for(autostack, await token_for(other)) as http:
        assert (await http.get(zones_url)).status_code == 404
        assert (await http.delete(f"{zones_url}/{zone['id']}")).status_code == 404
        # Their project's domain lies in the zone, but the zone is not their team's.
        assert (await http.post("/api/v1/projects", json={"name": "theirs"})).status_code == 201
        added = await http.post("/api/v1/projects/theirs/domains",
                                json={"name": "their.example.test"})
        assert added.status_code == 201 and added.json()["domains"][0]["dns_zone"] is None
    assert await run_queued(autostack, "publish_domain_records") == 0
    assert record_sets(moto, zone_id) == {}
    assert (await api.delete(f"{zones_url}/{zone['id']}")).status_code == 204
    assert (await api.delete(f"{zones_url}/{zone['id']}")).status_code == 404
    assert not await ConnectedZone.exists()


@pytest.mark.dbless
def test_covers_on_label_boundaries() -> None:
    assert dns_zones.covers("example.test", "example.test")
    assert dns_zones.covers("example.test", "a.b.example.test")
    assert not dns_zones.covers("example.test", "badexample.test")
    assert not dns_zones.covers("shop.example.test", "example.test")


async def test_key_rotation_reseals_zone_credentials(
    autostack: AutoStack, settings: Settings, owner: User,
) -> None:
    zone = ConnectedZone(team=await personal_team(owner), provider="route53",
                         zone_name="example.test")
    zone.config_json = json.dumps({"secret_access_key": SECRET})
    await zone.save()
    before = zone.config_sealed
    count, _ = await keys.rotate(settings)
    assert count == 1
    reloaded = await ConnectedZone.get(id=zone.id)
    assert reloaded.config_sealed != before and SECRET not in reloaded.config_sealed
    assert json.loads(reloaded.config_json or "{}") == {"secret_access_key": SECRET}
