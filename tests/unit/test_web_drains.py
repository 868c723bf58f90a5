"""Log drains on the dashboard: the list with its counters, adding one (a bad field shown
with what was typed, nothing saved), turning it off, removing it; viewers only read."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import LogDrain, Role
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_admins_add_switch_and_remove_drains(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    settings = (await http.get("/projects/site/settings")).text
    assert 'href="/projects/site/drains"' in settings
    assert "No log drains." in (await http.get("/projects/site/drains")).text

    refused = await http.post(
        "/projects/site/drains",
        data={
            "csrf_token": token,
            "name": "ship",
            "url": "https://10.0.0.8/in",
            "kind": "ndjson",
            "sources": ["runtime"],
            "headers": "X-Key: s3cret",
        },
    )
    assert refused.status_code == 422 and 'id="e-url"' in refused.text
    assert 'value="ship"' in refused.text and await LogDrain.all().count() == 0

    added = await http.post(
        "/projects/site/drains",
        data={
            "csrf_token": token,
            "name": "ship",
            "url": "https://127.0.0.1:9443/in",
            "kind": "otlp",
            "sources": ["runtime", "edge"],
            "headers": "X-Key: s3cret",
        },
    )
    assert added.status_code == 200 and "Drain ship added." in added.text
    assert "headers: X-Key" in added.text and "s3cret" not in added.text
    assert "runtime, edge" in added.text and "OTLP" in added.text
    await LogDrain.filter(name="ship").update(sent=12, dropped=3, last_error="3 records dropped")
    page = (await http.get("/projects/site/drains")).text
    assert "<td data-sent>12</td>" in page and "<td data-dropped>3</td>" in page
    assert "3 records dropped" in page

    off = await http.post(
        "/projects/site/drains/ship/enabled", data={"csrf_token": token, "enabled": "off"}
    )
    assert "Drain ship is off." in off.text and not (await LogDrain.get(name="ship")).enabled
    gone = await http.post("/projects/site/drains/ship/delete", data={"csrf_token": token})
    assert "Drain ship removed." in gone.text and await LogDrain.all().count() == 0


async def test_viewers_see_drains_without_forms(
    site: Site, autostack: AutoStack, owner: object
) -> None:
    await add_user(
        await personal_team(owner),
        "viewer@example.com",  # type: ignore[arg-type]
        Role.VIEWER,
    )
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        page = await http.get("/projects/site/drains")
        assert page.status_code == 200 and "Add a drain" not in page.text
        refused = await http.post(
            "/projects/site/drains",
            data={"csrf_token": token, "name": "x", "url": "https://127.0.0.1:9443/"},
        )
        assert refused.status_code == 403
