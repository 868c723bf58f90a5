"""A project's runtime logs through the API and the dashboard's Logs page: filters, error
groups, downloads, and who may read them (the null runtime's logs)."""

from __future__ import annotations

import json

import httpx

from autostack_core.app import AutoStack
from autostack_core.security import accounts
from tests.fixtures_auth import PASSWORD, api, client_for, owner, token_for
from tests.web_fixtures import Site, signed_in, site

__all__ = ["api", "owner", "signed_in", "site"]

LINES = [
    ("server-0", "listening on 3000"),
    ("server-0", "ERROR user 41 not found"),
    ("server-1", "ERROR user 97 not found"),
    ("server-1", "WARN slow query"),
    ("server-1", "ERROR payment 3fa85f64-5717-4562-b3fc-2c963f66afa6 declined"),
]


async def write(site: Site) -> None:
    for source, written in LINES:
        await site.runtime._log(site.current.id, source, written)


async def test_lines_are_filtered_by_replica_level_and_text(
    site: Site, api: httpx.AsyncClient
) -> None:
    await write(site)
    everything = (await api.get("/api/v1/projects/site/logs")).json()
    assert everything["deployment"] == site.current.id
    assert {"server-0", "server-1"} <= set(everything["replicas"])
    assert [line["line"] for line in everything["lines"]][-5:] == [text for _, text in LINES]
    errors = (
        await api.get(
            "/api/v1/projects/site/logs", params={"level": "error", "replica": "server-1"}
        )
    ).json()
    assert [line["line"] for line in errors["lines"]] == [LINES[2][1], LINES[4][1]]
    assert {line["level"] for line in errors["lines"]} == {"error"}
    found = (await api.get("/api/v1/projects/site/logs", params={"q": "SLOW"})).json()
    assert [line["line"] for line in found["lines"]] == ["WARN slow query"]
    future = (await api.get("/api/v1/projects/site/logs", params={"since": "2099-01-01"})).json()
    assert future["lines"] == []


async def test_errors_are_grouped_with_counts(site: Site, api: httpx.AsyncClient) -> None:
    await write(site)
    groups = (await api.get("/api/v1/projects/site/logs/errors")).json()["errors"]
    assert [(group["message"], group["count"]) for group in groups] == [
        ("ERROR user <n> not found", 2),
        ("ERROR payment <uuid> declined", 1),
    ]
    assert groups[0]["replicas"] == ["server-0", "server-1"]


async def test_downloads_as_ndjson_and_text(site: Site, api: httpx.AsyncClient) -> None:
    await write(site)
    ndjson = await api.get(
        "/api/v1/projects/site/logs", params={"format": "ndjson", "level": "warning"}
    )
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in ndjson.headers["content-disposition"]
    [record] = [json.loads(row) for row in ndjson.text.splitlines()]
    assert (record["source"], record["level"], record["line"]) == (
        "server-1",
        "warning",
        "WARN slow query",
    )
    plain = await api.get("/api/v1/projects/site/logs", params={"format": "text", "q": "user"})
    assert [row.split(" ", 1)[1] for row in plain.text.splitlines()] == [
        "server-0 ERROR ERROR user 41 not found",
        "server-1 ERROR ERROR user 97 not found",
    ]


async def test_bad_input_names_the_field(site: Site, api: httpx.AsyncClient) -> None:
    for params, field in (
        ({"level": "loud"}, "level"),
        ({"since": "soon"}, "since"),
        ({"format": "xml"}, "format"),
        ({"limit": "many"}, "limit"),
        ({"deployment": "nope"}, "deployment"),
    ):
        response = await api.get("/api/v1/projects/site/logs", params=params)
        assert response.status_code in (404, 422), (params, response.text)
        assert field in response.text


async def test_another_deployment_of_the_project_is_readable(
    site: Site, api: httpx.AsyncClient
) -> None:
    await site.runtime._log(site.old.id, "server-0", "old deployment line")
    response = await api.get("/api/v1/projects/site/logs", params={"deployment": site.old.id})
    assert response.status_code == 200
    assert response.json()["deployment"] == site.old.id


async def test_only_team_members_read_logs(site: Site, autostack: AutoStack) -> None:
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    await write(site)
    async with client_for(autostack, await token_for(stranger)) as http:
        for path in ("", "/errors", "/events"):
            assert (await http.get(f"/api/v1/projects/site/logs{path}")).status_code == 404


async def test_the_logs_page_shows_lines_errors_and_links(
    site: Site, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, _ = signed_in
    await write(site)
    page = await http.get("/projects/site/logs", params={"level": "error"})
    assert page.status_code == 200
    assert "ERROR user 41 not found" in page.text and "WARN slow query" not in page.text
    assert 'data-logs-live="/api/v1/projects/site/logs/events?' in page.text
    assert "level=error" in page.text and "format=ndjson" in page.text
    assert 'aria-current="page">Logs</a>' in page.text
    errors = await http.get("/projects/site/logs", params={"view": "errors"})
    assert "ERROR user &lt;n&gt; not found" in errors.text
    assert "<td data-count>2</td>" in errors.text
    refused = await http.get("/projects/site/logs", params={"since": "later"})
    assert refused.status_code == 422 and 'id="e-since"' in refused.text
