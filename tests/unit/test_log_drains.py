"""Log drains: settings checked (SSRF, headers sealed), and build, runtime and edge logs
delivered by the pump to real receivers on the loopback (an HTTPS NDJSON endpoint with a
self-signed certificate trusted through AUTOSTACK_DRAINS_CA_FILE, an OTLP/HTTP receiver
decoding protobuf), retried, and counted when dropped."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, DeploymentLog, LogDrain, Role
from autostack_core.services import drain_delivery
from autostack_core.services.drain_pump import DrainPump
from autostack_core.utils import free_port
from tests.drain_receivers import ndjson_receiver, otlp_receiver
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.web_fixtures import Site, site

__all__ = ["api", "owner", "site"]

DRAINS = "/api/v1/projects/site/drains"


def allow_http_loopback(autostack: AutoStack, **extra: str) -> None:
    autostack.settings = replace(
        autostack.settings,
        plugin_settings={
            **autostack.settings.plugin_settings,
            "AUTOSTACK_DRAINS_ALLOW_HTTP_LOOPBACK": "1",
            **extra,
        },
    )


@pytest.fixture
async def pump(autostack: AutoStack, site: Site) -> AsyncIterator[DrainPump]:
    running = DrainPump(autostack)
    await running.start()
    yield running
    await running.stop()


async def test_urls_that_reach_inside_are_refused(
    site: Site, autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    autostack.settings = replace(autostack.settings, outbound_allow=())
    for url, says in (
        ("http://example.com/x", "must be https://"),
        ("https://127.0.0.1:9/x", "127.0.0.1"),
        ("https://169.254.169.254/latest", "169.254.169.254"),
        ("https://10.1.2.3/", "10.1.2.3"),
        ("https://user:pw@example.com/", "credentials in a header"),
        ("ftp://example.com/", "https://"),
    ):
        refused = await api.post(DRAINS, json={"name": "x", "url": url})
        assert refused.status_code == 422, (url, refused.text)
        error = refused.json()["error"]
        assert error["field"] == "url" and says in error["message"], (url, error)
    allow_http_loopback(autostack)
    refused = await api.post(DRAINS, json={"name": "x", "url": "http://127.0.0.1:9/"})
    assert refused.status_code == 422 and "127.0.0.1" in refused.json()["error"]["message"]
    assert await LogDrain.all().count() == 0


async def test_http_only_to_loopback_and_only_when_allowed(
    site: Site, autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    refused = await api.post(DRAINS, json={"name": "otel", "url": "http://127.0.0.1:4318"})
    assert refused.status_code == 422 and "DRAINS_ALLOW_HTTP_LOOPBACK" in refused.text
    allow_http_loopback(autostack)
    assert (
        await api.post(
            DRAINS, json={"name": "otel", "url": "http://127.0.0.1:4318", "kind": "otlp"}
        )
    ).status_code == 201


async def test_headers_are_sealed_and_never_shown(
    site: Site, api: httpx.AsyncClient, autostack: AutoStack
) -> None:
    created = await api.post(
        DRAINS,
        json={
            "name": "logs",
            "url": "https://127.0.0.1:9/in",
            "sources": ["runtime", "build"],
            "headers": {"Authorization": "Bearer drain-secret-1"},
        },
    )
    assert created.status_code == 201, created.text
    drain = created.json()["drain"]
    assert drain["headers"] == ["Authorization"] and drain["sources"] == ["build", "runtime"]
    assert (drain["sent"], drain["dropped"], drain["enabled"]) == (0, 0, True)
    row = await LogDrain.get(name="logs")
    assert "drain-secret-1" not in (row.headers_sealed or "")
    listed = await api.get(DRAINS)
    assert "drain-secret-1" not in listed.text
    event = await AuditEvent.filter(action="log_drain.created").first()
    assert event is not None and "drain-secret-1" not in json.dumps(event.after)
    for body, field in (
        ({"name": "Bad Name", "url": "https://example.com"}, "name"),
        ({"name": "h", "url": "https://example.com", "headers": {"Host": "x"}}, "headers"),
        ({"name": "h", "url": "https://example.com", "headers": {"X-Key": "a\r\nb"}}, "headers"),
        ({"name": "h", "url": "https://example.com", "sources": []}, "sources"),
        ({"name": "logs", "url": "https://127.0.0.1:9/"}, "name"),
    ):
        refused = await api.post(DRAINS, json=body)
        assert refused.status_code in (409, 422) and field in refused.text, (body, refused.text)
    off = await api.patch(f"{DRAINS}/logs", json={"enabled": False})
    assert off.json()["drain"]["enabled"] is False
    assert (await api.delete(f"{DRAINS}/logs")).status_code == 204
    assert await LogDrain.all().count() == 0


async def test_viewers_read_and_admins_change(
    site: Site, autostack: AutoStack, owner: object
) -> None:
    viewer = await add_user(
        await personal_team(owner),
        "viewer@example.com",  # type: ignore[arg-type]
        Role.VIEWER,
    )
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get(DRAINS)).status_code == 200
        refused = await http.post(DRAINS, json={"name": "x", "url": "https://example.com"})
        assert refused.status_code == 403


async def test_logs_reach_an_https_ndjson_endpoint_and_an_otlp_collector(
    site: Site, autostack: AutoStack, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    with ndjson_receiver(tmp_path) as https, otlp_receiver() as otlp:
        allow_http_loopback(autostack, AUTOSTACK_DRAINS_CA_FILE=str(tmp_path / "receiver.pem"))
        assert (
            await api.post(
                DRAINS, json={"name": "https", "url": https.url, "headers": {"X-Api-Key": "k-123"}}
            )
        ).status_code == 201
        assert (
            await api.post(
                DRAINS,
                json={"name": "otel", "url": otlp.url, "kind": "otlp", "sources": ["runtime"]},
            )
        ).status_code == 201
        pump = DrainPump(autostack)
        await pump.start()
        try:
            await DeploymentLog.create(
                deployment=site.current, step="build", line="compiled 12 pages", stream="stdout"
            )
            await site.runtime._log(site.current.id, "server-0", "ERROR order 41 failed")
            edge_log = autostack.settings.data_dir / "logs" / "edge-access.log"
            edge_log.parent.mkdir(parents=True, exist_ok=True)
            edge_log.write_text(
                json.dumps(
                    {
                        "ts": time.time(),
                        "status": 404,
                        "duration": 0.0021,
                        "size": 9,
                        "request": {
                            "host": "site.localhost:8080",
                            "method": "GET",
                            "uri": "/missing?x=1",
                            "client_ip": "127.0.0.1",
                        },
                    }
                )
                + "\n"
            )
            try:
                await wait(
                    lambda: (
                        {r["source"] for r in https.records} >= {"build", "runtime", "edge"}
                        and otlp.records
                    )
                )
            except AssertionError as error:
                rows = await LogDrain.all().values("name", "sent", "dropped", "last_error")
                raise AssertionError(f"{https.records} {otlp.records} {rows}") from error
        finally:
            await pump.stop()
    by_source = {record["source"]: record for record in https.records}
    assert by_source["build"]["message"] == "compiled 12 pages"
    assert by_source["build"]["step"] == "build"
    runtime = by_source["runtime"]
    assert (
        runtime["project"],
        runtime["deployment"],
        runtime["level"],
        runtime["replica"],
        runtime["message"],
    ) == ("site", site.current.id, "error", "server-0", "ERROR order 41 failed")
    edge = by_source["edge"]
    assert (edge["message"], edge["status"], edge["level"], edge["host"]) == (
        "GET /missing?x=1 404",
        404,
        "warning",
        "site.localhost",
    )
    assert all(headers["x-api-key"] == "k-123" for headers in https.headers)
    assert https.headers[0]["content-type"] == "application/x-ndjson"
    [record] = otlp.records
    assert record["body"] == "ERROR order 41 failed" and record["severity"] == "ERROR"
    assert record["resource"] == {
        "service.name": "site",
        "autostack.project": "site",
        "autostack.deployment": site.current.id,
    }
    assert record["replica"] == "server-0" and record["log.source"] == "runtime"
    assert abs(record["time_unix_nano"] / 1e9 - datetime.now(UTC).timestamp()) < 60
    drains = {d["name"]: d for d in (await api.get(DRAINS)).json()["drains"]}
    assert drains["https"]["sent"] == 3 and drains["otel"]["sent"] == 1
    assert drains["https"]["dropped"] == 0 and drains["https"]["last_delivery_at"]


async def test_failures_are_retried_then_counted_as_dropped(
    site: Site,
    autostack: AutoStack,
    api: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(drain_delivery, "DELAYS", (0.05, 0.1, 0.2, 0.4))
    allow_http_loopback(autostack)
    with otlp_receiver() as otlp:
        otlp.fail_next = 2
        await api.post(
            DRAINS, json={"name": "flaky", "url": otlp.url, "kind": "otlp", "sources": ["build"]}
        )
        closed = f"http://127.0.0.1:{free_port()}/"
        await api.post(DRAINS, json={"name": "down", "url": closed, "sources": ["build"]})
        pump = DrainPump(autostack)
        await pump.start()
        try:
            await DeploymentLog.create(
                deployment=site.current, step="build", line="one", stream="stdout"
            )
            await wait(lambda: len(otlp.records) == 1)
            await wait_async(lambda: LogDrain.filter(name="down", dropped=1).exists())
        finally:
            await pump.stop()
    assert otlp.requests == 3  # two 503s, then delivered
    drains = {d["name"]: d for d in (await api.get(DRAINS)).json()["drains"]}
    assert (drains["flaky"]["sent"], drains["flaky"]["dropped"]) == (1, 0)
    assert (drains["down"]["sent"], drains["down"]["dropped"]) == (0, 1)
    assert "1 records dropped" in drains["down"]["last_error"]


async def test_build_lines_nobody_drains_are_skipped_not_read(
    site: Site, autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    allow_http_loopback(autostack)
    pump = DrainPump(autostack)
    await pump.refresh()
    await DeploymentLog.create(
        deployment=site.current, step="build", line="before", stream="stdout"
    )
    assert await pump.read_builds() == 0  # no drain: the pump skips to the newest row
    with otlp_receiver() as otlp:
        await api.post(
            DRAINS, json={"name": "otel", "url": otlp.url, "kind": "otlp", "sources": ["build"]}
        )
        await pump.refresh()
        try:
            await DeploymentLog.create(
                deployment=site.current, step="build", line="after", stream="stdout"
            )
            assert await pump.read_builds() == 1
            await wait(lambda: len(otlp.records) == 1)
        finally:
            await pump.stop()
    assert [record["body"] for record in otlp.records] == ["after"]


async def wait(check, timeout: float = 20) -> object:  # type: ignore[no-untyped-def]
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def wait_async(check, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")
