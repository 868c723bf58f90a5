"""The ``cloudrun`` runtime against a Cloud Run Admin API v2 stand-in.

**A mock of the cloud, allowed here only because no Google Cloud is reachable**:
:mod:`tests.cloudrun_standin` is an HTTP server on the loopback that checks the
request shapes the v2 REST reference documents (services create/patch/get/delete,
revisions list/get/delete, traffic targets with percents adding up to 100, tags) and
plays Google's OAuth token endpoint and front end. The runtime speaks to it with the
official ``google-cloud-run`` client (REST transport, ``client_options.api_endpoint``)
and a service account key whose JWT grant the stand-in verifies, unmodified.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.cost import Usage
from autostack_core.interfaces.runtime import (
    ConfigError,
    Endpoint,
    Release,
    ReleaseStatus,
    ScalePolicy,
)
from autostack_core.security.crypto import install_keyring, load_keyring
from tests.cloudrun_standin import CloudRunStandIn, cloudrun_standin, team_config
from tests.conformance.pair import artifact
from tests.kube_standin import standin_image

pytest.importorskip("google.cloud.run_v2")
from autostack_plugins.providers.cloudrun.client import CloudRunError
from autostack_plugins.providers.cloudrun.meter import cpu_of, memory_gib_of
from autostack_plugins.providers.cloudrun.runtime import (
    CloudRunDeployError,
    CloudRunRuntime,
    to_percents,
)

__all__ = ["cloudrun_standin"]
pytestmark = pytest.mark.dbless
SERVICE = "projects/standin-project/locations/us-central1/services/autostack-shop"


def runtime_settings(tmp_path: Path) -> Settings:
    """The runtime's settings, with the server's keyring installed (placements are sealed)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        health_timeout_seconds=5,
        runtime_memory_mb=256,
        runtime_cpus=1,
    )
    install_keyring(load_keyring(settings.data_dir))
    return settings


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[CloudRunRuntime]:
    runtime = CloudRunRuntime(runtime_settings(tmp_path))
    await runtime.start()
    yield runtime
    await runtime.stop()


async def deploy(
    runtime: CloudRunRuntime,
    standin: CloudRunStandIn,
    release_id: str,
    *,
    marker: str | None = None,
    env: dict[str, str] | None = None,
    policy: ScalePolicy | None = None,
) -> Endpoint:
    reference = await runtime.publish(
        artifact(release_id, standin_image(marker or release_id), frozenset())
    )
    return await runtime.deploy(
        Release(
            id=release_id,
            project="shop",
            artifact=reference,
            env=env or {},
            policy=policy or ScalePolicy(),
            config=team_config(standin),
            team="olivia",
        )
    )


def last_patch(standin: CloudRunStandIn) -> tuple[str, str, dict[str, Any]]:
    method, path, body = [request for request in standin.requests if request[0] == "PATCH"][-1]
    return method, path, body or {}


async def front(standin: CloudRunStandIn, url: str, path: str = "/") -> str:
    host = httpx.URL(url).host
    async with httpx.AsyncClient() as http:
        answer = await http.get(
            f"http://127.0.0.1:{standin.frontend_port}{path}", headers={"Host": host}
        )
    return answer.text


async def test_a_release_is_a_tagged_revision_of_the_projects_service(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    first = await deploy(
        runtime,
        cloudrun_standin,
        "r1",
        env={"DATABASE_URL": "postgres://db"},
        policy=ScalePolicy(0, 3),
    )
    method, path, body = cloudrun_standin.requests[1]
    assert (method, path.split("&")[0]) == (
        "POST",
        "/v2/projects/standin-project/locations/us-central1/services?serviceId=autostack-shop",
    )
    container = body["template"]["containers"][0]  # type: ignore[index]
    assert container["image"].startswith("registry.test/conformance/r1@sha256:")
    assert container["ports"] == [{"containerPort": 8080}]
    assert container["env"] == [{"name": "DATABASE_URL", "value": "postgres://db"}]
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "256Mi"}
    assert body["template"]["scaling"] == {"maxInstanceCount": 3}, (
        "min 0 is the default: Cloud Run scales to zero itself"
    )  # type: ignore[index]
    assert body["traffic"] == [
        {"type": 2, "revision": "autostack-shop-r1", "percent": 100, "tag": "r-r1"}
    ]
    assert first.url == "https://r-r1---autostack-shop-standin.a.run.app"
    assert await front(cloudrun_standin, first.url, "/a") == "server r1 /a"
    assert await runtime.status("r1") == ReleaseStatus.READY

    second = await deploy(runtime, cloudrun_standin, "r2")
    method, path, body = last_patch(cloudrun_standin)
    assert method == "PATCH" and path.startswith(f"/v2/{SERVICE}?")
    assert {"type": 2, "revision": "autostack-shop-r2", "tag": "r-r2"} in body["traffic"], (
        "0 % (proto3 JSON leaves a zero out)"
    )
    assert await front(cloudrun_standin, second.url) == "server r2 /"
    service = "https://autostack-shop-standin.a.run.app"
    assert await front(cloudrun_standin, service) == "server r1 /", "r2 takes no traffic yet"


async def test_traffic_is_split_by_percent(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    await deploy(runtime, cloudrun_standin, "r1")
    await deploy(runtime, cloudrun_standin, "r2")
    assert await runtime.split({"r1": 1, "r2": 3}) == {"r1": 25, "r2": 75}
    _, _, body = last_patch(cloudrun_standin)
    assert sorted((t["revision"], t["percent"], t.get("tag")) for t in body["traffic"]) == [
        ("autostack-shop-r1", 25, "r-r1"),
        ("autostack-shop-r2", 75, "r-r2"),
    ]
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{cloudrun_standin.frontend_port}",
        headers={"Host": "autostack-shop-standin.a.run.app"},
    ) as http:
        answers = [(await http.get("/")).text for _ in range(200)]
    assert answers.count("server r2 /") == 150 and answers.count("server r1 /") == 50
    await runtime.split({"r2": 1})
    assert (
        await front(cloudrun_standin, "https://autostack-shop-standin.a.run.app") == "server r2 /"
    )
    writes = len(cloudrun_standin.requests)
    await runtime.split({"r2": 5})  # the traffic is so already: nothing is written
    assert [r[0] for r in cloudrun_standin.requests[writes:]] == ["GET"]
    assert to_percents({"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}


async def test_deploy_is_idempotent_and_destroy_removes(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    await deploy(runtime, cloudrun_standin, "r1")
    await deploy(runtime, cloudrun_standin, "r2")
    writes = [r for r in cloudrun_standin.requests if r[0] in ("POST", "PATCH")]
    again = await deploy(runtime, cloudrun_standin, "r2")
    assert [r for r in cloudrun_standin.requests if r[0] in ("POST", "PATCH")] == writes
    assert again.url.startswith("https://r-r2---")
    await runtime.destroy("r2")
    assert await runtime.status("r2") == ReleaseStatus.ABSENT
    assert f"{SERVICE}/revisions/autostack-shop-r2" not in cloudrun_standin.revisions
    await runtime.destroy("r1")
    assert SERVICE not in cloudrun_standin.services, "the last revision takes the service"
    await runtime.destroy("r1")


async def test_destroying_the_first_release_hands_its_traffic_on_unless_it_is_split(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    """The first revision has the service's 100 %; destroying it (retention, the suite's
    clean-up) gives that to the newest other revision, but a split is not undone."""
    await deploy(runtime, cloudrun_standin, "r1")
    await deploy(runtime, cloudrun_standin, "r2")
    second = await deploy(runtime, cloudrun_standin, "r3")
    await runtime.destroy("r1")
    assert await runtime.status("r1") == ReleaseStatus.ABSENT
    assert f"{SERVICE}/revisions/autostack-shop-r1" not in cloudrun_standin.revisions
    service = "https://autostack-shop-standin.a.run.app"
    assert await front(cloudrun_standin, service) == "server r3 /"
    assert await front(cloudrun_standin, second.url) == "server r3 /", "its tag is kept"
    await runtime.split({"r2": 1, "r3": 1})
    with pytest.raises(CloudRunError, match="takes traffic"):
        await runtime.destroy("r2")
    assert await runtime.status("r2") == ReleaseStatus.READY


async def test_a_failed_revision_fails_the_deploy(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    await deploy(runtime, cloudrun_standin, "r1")
    with pytest.raises(CloudRunDeployError, match="failed to start and listen on the port"):
        await deploy(runtime, cloudrun_standin, "r2", marker="fail")
    assert await runtime.status("r2") == ReleaseStatus.ABSENT
    assert await runtime.status("r1") == ReleaseStatus.READY


async def test_a_key_the_account_does_not_have_is_refused(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    other = CloudRunStandIn()  # another key pair: its signature does not verify
    config = {
        **team_config(cloudrun_standin),
        "service_account_key": other.service_account_key().replace(other.url, cloudrun_standin.url),
    }
    for server in (other.api, other.frontend):
        server.server_close()
    with pytest.raises(Exception, match=r"401 .*invalid authentication credentials"):
        await runtime.check(config)
    assert "0 services" in (await runtime.check(team_config(cloudrun_standin)) or "")


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"project": "p", "region": "r"}, "service_account_key"),
        (
            {"project": "p", "region": "r", "service_account_key": "/etc/gcp/key.json"},
            "service_account_key",
        ),
        (
            {
                "region": "r",
                "service_account_key": '{"type": "service_account", "private_key": "k", '
                '"client_email": "a@b"}',
            },
            "project",
        ),
    ],
)
def test_a_teams_values_need_its_own_key(
    tmp_path: Path, config: dict[str, str], field: str
) -> None:
    with pytest.raises(ConfigError) as error:
        CloudRunRuntime(Settings(data_dir=tmp_path)).check_config(config)
    assert error.value.field == field


async def test_the_meter_reads_a_ready_revisions_allotment_times_its_instances(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn
) -> None:
    """Instance time is Cloud Monitoring's, not read: the meter reads the revision's limits,
    its minimum instances (at least one: an upper bound with 0) and its create time."""
    assert await runtime.measure("r1") is None  # not deployed
    await deploy(runtime, cloudrun_standin, "r1", policy=ScalePolicy(2, 3))
    (revision,) = cloudrun_standin.revisions.values()
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    revision["createTime"] = hour_ago.isoformat().replace("+00:00", "Z")
    reading = await runtime.measure("r1")
    assert reading is not None and reading.memory_bytes == 2 * 256 * 1024 * 1024
    assert 7200 <= reading.cpu_seconds < 7200 + 120  # 1 vCPU x 2 instances x an hour

    hour = Usage(cpu_seconds=7200.0, memory_gib_hours=0.5, hours=1.0, requests=1000)
    cost = runtime.estimate_cost(hour)
    assert {line.item: line.quantity for line in cost.lines} == {
        "vcpu": 7200.0, "memory": 1800.0, "requests": 1000}


async def test_a_restarted_server_still_knows_its_revisions(
    runtime: CloudRunRuntime, cloudrun_standin: CloudRunStandIn, tmp_path: Path
) -> None:
    """Status and the meter after a restart (a new runtime on the same data dir), without a
    deploy; the team's key is sealed in the state file, never written in clear."""
    await deploy(runtime, cloudrun_standin, "r1")
    await runtime.stop()
    state = tmp_path / "data" / "deployments" / "r1" / "cloudrun.json"
    assert "private_key" not in state.read_text() and oct(state.stat().st_mode)[-3:] == "600"
    restarted = CloudRunRuntime(runtime_settings(tmp_path))
    await restarted.start()
    assert await restarted.status("r1") == ReleaseStatus.READY
    assert await restarted.measure("r1") is not None
    assert await restarted.status("r9") == ReleaseStatus.ABSENT
    await restarted.destroy("r1")
    assert not state.exists() and await CloudRunRuntime(runtime_settings(tmp_path)).status(
        "r1") == ReleaseStatus.ABSENT


@pytest.mark.dbless
@pytest.mark.parametrize(("cpu", "memory", "vcpu", "gib"), [
    ("1", "512Mi", 1.0, 0.5), ("500m", "1Gi", 0.5, 1.0), ("0.08", "1G", 0.08, 1e9 / 1024 ** 3)])
def test_quantities_of_the_limits(cpu: str, memory: str, vcpu: float, gib: float) -> None:
    assert cpu_of(cpu) == vcpu and memory_gib_of(memory) == pytest.approx(gib)
