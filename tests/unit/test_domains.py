"""Domains service and API: validation, ownership over real DNS, redirects, roles, ``ask``.

DNS answers come from pebble-challtestsrv on the loopback (every A query is
127.0.0.1; TXT records are set per test), never from a patched resolver.
"""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Alias, AliasKind, Domain, Project, Role, User
from autostack_core.security import accounts
from tests.acme_standin import ChallTestSrv, dns_server, needs_pebble
from tests.fixtures_auth import PASSWORD, add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "dns_server", "owner"]

pytestmark = needs_pebble
DOMAINS = "/api/v1/projects/site/domains"


@pytest.fixture
def settings(settings: Settings, dns_server: ChallTestSrv) -> Settings:
    return replace(settings, dns_resolvers=(dns_server.resolver,))


async def make_site(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201


async def add(api: httpx.AsyncClient, name: str, **extra: object) -> httpx.Response:
    return await api.post(DOMAINS, json={"name": name, **extra})


@pytest.mark.parametrize(("name", "problem"), [
    ("1.2.3.4", "IP address"),
    ("[::1]", "IP address"),
    ("example", "fully qualified"),
    ("exa_mple.com", "not a valid label"),
    ("{env.home}.example.com", "not a valid label"),  # would be a Caddy placeholder
    ("-bad.example.com", "not a valid label"),
    ("site.localhost", "platform's own domain"),
    ("localhost", "platform's own domain"),
    ("*.example.com", "wildcard"),
    ("a" * 64 + ".example.com", "longer than 63"),
    (".".join(["abcdefghi"] * 26) + ".com", "at most 253"),
    ("\u2603\u2603.example", "not a valid internationalized"),
])
async def test_invalid_names_are_422_and_store_nothing(
    api: httpx.AsyncClient, name: str, problem: str,
) -> None:
    await make_site(api)
    response = await add(api, name)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "domain"
    assert problem in response.json()["error"]["message"]
    assert not await Domain.exists()


async def test_internationalized_names_become_punycode(api: httpx.AsyncClient) -> None:
    await make_site(api)
    response = await add(api, "Bücher.Example.")
    assert response.status_code == 201, response.text
    assert response.json()["domains"][0]["name"] == "xn--bcher-kva.example"


async def test_added_domain_lists_the_records_to_create(api: httpx.AsyncClient) -> None:
    await make_site(api)
    domain = (await add(api, "app.example.test")).json()["domains"][0]
    assert not domain["verified"] and domain["ssl"]["status"] == "none"
    records = {record["type"]: record for record in domain["records"]}
    token = domain["verification"]["txt"]["value"]
    assert records["TXT"]["name"] == "_autostack-challenge.app.example.test"
    assert records["TXT"]["value"] == token and not records["TXT"]["ok"]
    # A subdomain: a CNAME to the base domain, no A record on the same name.
    assert list(records) == ["TXT", "CNAME"]
    assert records["CNAME"]["name"] == "app.example.test"
    assert records["CNAME"]["value"] == "localhost"


async def test_an_apex_gets_a_records_with_the_servers_addresses(
    autostack: AutoStack, api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    domain = (await add(api, "example.test")).json()["domains"][0]
    records = {record["type"]: record for record in domain["records"]}
    # No CNAME at an apex; the base domain resolves to loopback only, so the
    # server's public address is unknown and the value says how to set it.
    assert list(records) == ["TXT", "A"]
    assert records["TXT"]["name"] == "_autostack-challenge.example.test"
    assert "AUTOSTACK_PUBLIC_IPS" in records["A"]["value"]

    autostack.settings = replace(autostack.settings, public_ips=("203.0.113.7", "2001:db8::7"))
    listed = (await api.get(f"{DOMAINS}/example.test")).json()
    records = {record["type"]: record for record in listed["records"]}
    assert list(records) == ["TXT", "A", "AAAA"]
    assert records["A"]["value"] == "203.0.113.7" and records["AAAA"]["value"] == "2001:db8::7"
    assert records["A"]["current"] == ["127.0.0.1"] and not records["A"]["ok"]


async def test_a_domain_belongs_to_one_project(
    autostack: AutoStack, api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    assert (await add(api, "app.example.test")).status_code == 201
    again = await add(api, "APP.example.test")
    assert again.status_code == 409 and "this project" in again.json()["error"]["message"]
    other = await accounts.create_user("other@example.com", PASSWORD)
    async with client_for(autostack, await token_for(other)) as http:
        assert (await http.post("/api/v1/projects", json={"name": "theirs"})).status_code == 201
        taken = await http.post("/api/v1/projects/theirs/domains",
                                json={"name": "app.example.test"})
    assert taken.status_code == 409 and "another project" in taken.json()["error"]["message"]
    assert await Domain.all().count() == 1


async def test_verify_with_the_txt_record(
    api: httpx.AsyncClient, dns_server: ChallTestSrv,
) -> None:
    await make_site(api)
    domain = (await add(api, "app.example.test")).json()["domains"][0]
    failed = await api.post(f"{DOMAINS}/app.example.test/verify")
    assert failed.status_code == 200 and not failed.json()["verified"]
    dns_server.set_txt("_autostack-challenge.app.example.test",
                       domain["verification"]["txt"]["value"])
    verified = (await api.post(f"{DOMAINS}/app.example.test/verify")).json()
    assert verified["verified"] and verified["method"] == "dns"
    assert verified["dns_configured"] and verified["ssl"]["status"] == "pending"
    row = await Domain.get(domain_name="app.example.test")
    assert row.is_verified and row.verified_at is not None


async def test_redirects_apex_www_and_statuses(api: httpx.AsyncClient) -> None:
    await make_site(api)
    added = await add(api, "www.example.test", redirect_counterpart=True)
    assert added.status_code == 201
    apex = {d["name"]: d for d in added.json()["domains"]}["example.test"]
    assert apex["redirect_to"] == "www.example.test" and apex["redirect_status"] == 308
    moved = await api.patch(f"{DOMAINS}/example.test", json={"redirect_status": 301})
    assert moved.json()["redirect_status"] == 301
    bad = await api.patch(f"{DOMAINS}/example.test", json={"redirect_status": 303})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "redirect_status"
    unknown = await add(api, "old.example.test", redirect_to="nowhere.example.test")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "redirect_to"
    # The target becomes part of the edge's Location header: never a Caddy placeholder.
    curly = await add(api, "old.example.test", redirect_to="{env.home}.example.test")
    assert curly.status_code == 422 and "not a valid label" in curly.json()["error"]["message"]
    itself = await api.patch(f"{DOMAINS}/example.test", json={"redirect_to": "example.test"})
    assert itself.status_code == 422
    back = await api.patch(f"{DOMAINS}/example.test", json={"redirect_to": None})
    assert back.json()["redirect_to"] is None and back.json()["target"] == "production"


async def test_branch_target(api: httpx.AsyncClient) -> None:
    await make_site(api)
    await add(api, "staging.example.test", git_branch="staging")
    domain = (await api.get(f"{DOMAINS}/staging.example.test")).json()
    assert domain["target"] == "branch:staging"
    changed = await api.patch(f"{DOMAINS}/staging.example.test", json={"git_branch": None})
    assert changed.json()["target"] == "production"


async def test_roles_members_read_admins_change(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    await make_site(api)
    await add(api, "app.example.test")
    team = await personal_team(owner)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    viewer = await add_user(team, "viewer@example.com", Role.VIEWER)
    admin = await add_user(team, "admin@example.com", Role.ADMIN)
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.get(DOMAINS)).status_code == 200
        assert (await http.post(DOMAINS, json={"name": "b.example.test"})).status_code == 403
        assert (await http.delete(f"{DOMAINS}/app.example.test")).status_code == 403
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get(DOMAINS)).status_code == 403
    async with client_for(autostack, await token_for(admin)) as http:
        assert (await http.delete(f"{DOMAINS}/app.example.test")).status_code == 204
        assert (await http.delete(f"{DOMAINS}/app.example.test")).status_code == 404
    assert not await Domain.exists()


async def test_ask_allows_verified_domains_and_own_hostnames_only(
    api: httpx.AsyncClient, dns_server: ChallTestSrv,
) -> None:
    await make_site(api)
    token = (await add(api, "app.example.test")).json()["domains"][0]["verification"]["txt"]
    async with httpx.AsyncClient(transport=api._transport, base_url="http://testserver") as anon:
        async def ask(name: str) -> int:
            return (await anon.get("/api/v1/edge/ask", params={"domain": name})).status_code

        assert await ask("app.example.test") == 404
        assert await ask("unknown.example.test") == 404
        dns_server.set_txt(token["name"], token["value"])
        await api.post(f"{DOMAINS}/app.example.test/verify")
        assert await ask("app.example.test") == 200
        project = await Project.get(name="site")
        await Alias.create(hostname="site.localhost", project=project, kind=AliasKind.PRODUCTION)
        assert await ask("site.localhost") == 200


async def test_http_token_is_answered_for_its_domain_only(api: httpx.AsyncClient) -> None:
    await make_site(api)
    token = (await add(api, "app.example.test")).json()["domains"][0]["verification"]["http"]
    path = f"/.well-known/autostack-challenge/{token['body']}"
    async with httpx.AsyncClient(transport=api._transport, base_url="http://testserver") as anon:
        right = await anon.get(path, headers={"Host": "app.example.test"})
        wrong = await anon.get(path, headers={"Host": "other.example.test"})
    assert right.status_code == 200 and right.text == token["body"]
    assert wrong.status_code == 404


@pytest.mark.parametrize("branch", ["no such branch !!", "a..b", "-x", "feature/", "x.lock"])
async def test_an_invalid_branch_is_422_naming_the_field(
    api: httpx.AsyncClient, branch: str,
) -> None:
    await make_site(api)
    refused = await add(api, "staging.example.test", git_branch=branch)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "git_branch"
    assert "branch name" in refused.json()["error"]["message"]
    assert not await Domain.exists()

    await add(api, "staging.example.test", git_branch="staging")
    changed = await api.patch(f"{DOMAINS}/staging.example.test", json={"git_branch": branch})
    assert changed.status_code == 422 and changed.json()["error"]["field"] == "git_branch"
    assert (await Domain.get(domain_name="staging.example.test")).git_branch == "staging"


async def test_a_branch_without_deployments_is_accepted(api: httpx.AsyncClient) -> None:
    # As on Vercel: any valid name; the domain follows the branch once it is pushed.
    await make_site(api)
    added = await add(api, "next.example.test", git_branch="feature/new-login")
    assert added.status_code == 201, added.text
    assert added.json()["domains"][0]["target"] == "branch:feature/new-login"
