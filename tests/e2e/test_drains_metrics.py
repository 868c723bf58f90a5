"""Log drains and /metrics on a real ``autostack up``: drains added with the CLI receive
the build log, the server app's runtime lines and the edge's requests (an HTTPS NDJSON
receiver with a self-signed certificate the server trusts by setting, and an OTLP/HTTP
receiver decoding protobuf); then a real scrape of /metrics parses as Prometheus text
and counts the requests, the deployments and what the drains sent, with the Caddy
edge's own metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.drain_receivers import Receiver, ndjson_receiver, otlp_receiver
from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_logs_browser import write_app
from tests.e2e.test_server_apps import deploy

pytestmark = pytest.mark.e2e

TOKEN = "metrics-scrape-token-0123456789"


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[tuple[Receiver, Receiver]]:
    with ndjson_receiver(tmp_path) as https, otlp_receiver() as otlp:
        yield https, otlp


@pytest.fixture
def drained_server(
    tmp_path: Path, database_url: str | None, receivers: tuple[Receiver, Receiver]
) -> Iterator[Server]:
    with signed_in_server(
        tmp_path,
        database_url,
        AUTOSTACK_DRAINS_ALLOW_HTTP_LOOPBACK="1",
        AUTOSTACK_DRAINS_CA_FILE=str(tmp_path / "receiver.pem"),
        AUTOSTACK_METRICS_TOKEN=TOKEN,
    ) as instance:
        yield instance


def test_drains_receive_build_runtime_and_edge_logs_and_metrics_scrape(
    drained_server: Server, receivers: tuple[Receiver, Receiver], tmp_path: Path
) -> None:
    server = drained_server
    https, otlp = receivers
    with server.api() as api:
        api.post("/api/v1/projects", json={"name": "shop"}).raise_for_status()
    server.cli(
        "drains", "add", "ship", https.url, "--header", "X-Api-Key: k-42", "--project", "shop"
    )
    server.cli(
        "drains",
        "add",
        "otel",
        otlp.url,
        "--kind",
        "otlp",
        "--source",
        "runtime",
        "--project",
        "shop",
    )
    refused = server.cli(
        "drains", "add", "meta", "https://169.254.169.254/x", "--project", "shop", check=False
    )
    assert refused.returncode != 0 and "169.254.169.254" in refused.stderr + refused.stdout

    deployed = deploy(server, write_app(tmp_path / "shop"), "--prod", "--project", "shop")
    assert deployed["state"] == "ready", deployed
    server.edge_get("shop.localhost", "/fail?order=7")
    server.edge_get("shop.localhost", "/checkout")

    records = https.wait_for(
        lambda got: (
            {"build", "runtime", "edge"} <= {r["source"] for r in got}
            and any(r["message"] == "served /checkout" for r in got)
            and any(r["source"] == "edge" and r["status"] == 500 for r in got)
            and any(r["source"] == "edge" and r["path"] == "/checkout" for r in got)
        ),
        timeout=60,
    )
    build = [r for r in records if r["source"] == "build"]
    assert build and all(r["deployment"] == deployed["id"] for r in build)
    [failed] = [r for r in records if r["source"] == "runtime" and "order 7" in r["message"]]
    assert (failed["level"], failed["replica"], failed["stream"]) == ("error", "server-0", "stderr")
    [edge] = [r for r in records if r["source"] == "edge" and r["path"] == "/checkout"]
    assert (edge["status"], edge["host"], edge["project"]) == (200, "shop.localhost", "shop")
    assert all(headers["x-api-key"] == "k-42" for headers in https.headers)
    otel = otlp.wait_for(lambda got: any(r["body"] == "served /checkout" for r in got))
    assert {r["log.source"] for r in otel} == {"runtime"}
    assert {r["resource"]["service.name"] for r in otel} == {"shop"}

    listed = json.loads(server.cli("drains", "ls", "--json", "--project", "shop").stdout)
    counts = {d["name"]: (d["sent"], d["dropped"]) for d in listed["drains"]}
    assert counts["ship"][0] > 0 and counts["ship"][1] == 0 and counts["otel"][0] > 0

    scraped = httpx.get(f"{server.url}/metrics", timeout=30)
    assert scraped.status_code == 200
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }
    assert found[("autostack_deployments", (("state", "ready"),))] >= 1
    assert found[("autostack_builds_total", ())] >= 1
    assert (
        found[
            (
                "autostack_log_drain_records_total",
                (("drain", "ship"), ("outcome", "sent"), ("project", "shop")),
            )
        ]
        > 0
    )
    assert (
        sum(
            value
            for (name, labels), value in found.items()
            if name == "autostack_http_requests_total" and ("route", "/api/v1/projects") in labels
        )
        >= 1
    )
    assert ("autostack_queue_pending", ()) in found
    assert any(name.startswith("caddy_") for name, _ in found)  # the edge's own, from Caddy
    assert ("go_goroutines", ()) in found
