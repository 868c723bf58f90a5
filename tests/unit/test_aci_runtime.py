"""The ``aci`` runtime against an Azure Resource Manager stand-in for container groups.

**A mock of the cloud, allowed here only because no Azure is reachable**:
:mod:`tests.aci_standin` is an HTTP server on the loopback that checks the request
shapes the ARM REST reference documents for ``Microsoft.ContainerInstance/containerGroups``
(PUT/GET/DELETE, list, stop/start, container logs) and plays each group's public
address. The runtime speaks to it with the official ``azure-mgmt-containerinstance``
client (``base_url``) and a fake token credential (azure-identity is not used here).
ACI has no traffic split (the edge does it): there is nothing of it to test.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
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
from tests.aci_standin import AciStandIn, FakeToken, aci_standin, team
from tests.conformance.pair import artifact
from tests.kube_standin import standin_image

pytest.importorskip("azure.mgmt.containerinstance")
from autostack_plugins.providers.aci.groups import registry_host
from autostack_plugins.providers.aci.runtime import AciDeployError, AciRuntime

__all__ = ["aci_standin"]
pytestmark = pytest.mark.dbless
GROUPS = "/resourceGroups/apps/providers/Microsoft.ContainerInstance/containerGroups"


def credential(values: Mapping[str, str]) -> Any:
    return FakeToken()


def runtime_settings(tmp_path: Path) -> Settings:
    """The runtime's settings, with the server's keyring installed (placements are sealed)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        health_timeout_seconds=5,
        runtime_memory_mb=512,
        runtime_cpus=1,
    )
    install_keyring(load_keyring(settings.data_dir))
    return settings


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[AciRuntime]:
    runtime = AciRuntime(runtime_settings(tmp_path), credential=credential)
    yield runtime
    await runtime.stop()


async def deploy(
    runtime: AciRuntime,
    standin: AciStandIn,
    release_id: str,
    marker: str | None = None,
    env: dict[str, str] | None = None,
) -> Endpoint:
    reference = await runtime.publish(
        artifact(release_id, standin_image(marker or release_id), frozenset())
    )
    return await runtime.deploy(
        Release(
            id=release_id, project="shop", artifact=reference, env=env or {}, config=team(standin)
        )
    )


async def front(standin: AciStandIn, url: str, path: str = "/") -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(
            f"http://127.0.0.1:{standin.frontend_port}{path}", headers={"Host": httpx.URL(url).host}
        )


async def test_a_release_is_a_container_group(runtime: AciRuntime, aci_standin: AciStandIn) -> None:
    endpoint = await deploy(runtime, aci_standin, "r1", env={"API_KEY": "k-123"})
    [put] = [r for r in aci_standin.requests if r[0] == "PUT"]
    assert put[1].startswith(f"/subscriptions/sub-1{GROUPS}/autostack-shop-r1?api-version=")
    body = put[2] or {}
    container = body["properties"]["containers"][0]["properties"]
    assert container["image"].startswith("registry.test/conformance/r1@sha256:")
    assert container["resources"]["requests"] == {"cpu": 1.0, "memoryInGB": 0.5}
    assert {"name": "API_KEY", "secureValue": "k-123"} in container["environmentVariables"]
    assert body["properties"]["ipAddress"]["dnsNameLabel"] == "autostack-shop-r1"
    assert endpoint.url == "http://autostack-shop-r1.eastus.azurecontainer.io:8080"
    assert (await front(aci_standin, endpoint.url, "/x")).text == "server r1 /x"
    assert await runtime.status("r1") == ReleaseStatus.READY
    again = await deploy(runtime, aci_standin, "r1", env={"API_KEY": "k-123"})
    assert again == endpoint and len([r for r in aci_standin.requests if r[0] == "PUT"]) == 1
    await runtime.destroy("r1")
    assert await runtime.status("r1") == ReleaseStatus.ABSENT
    assert not aci_standin.groups


async def test_scale_to_zero_stops_the_group_and_deploy_starts_it(
    runtime: AciRuntime, aci_standin: AciStandIn
) -> None:
    endpoint = await deploy(runtime, aci_standin, "r1")
    await runtime.scale("r1", ScalePolicy(0, 1))
    assert await runtime.status("r1") == ReleaseStatus.ASLEEP
    assert (await front(aci_standin, endpoint.url)).status_code == 502
    await deploy(runtime, aci_standin, "r1")
    assert await runtime.status("r1") == ReleaseStatus.READY
    assert any(
        path.startswith(f"/subscriptions/sub-1{GROUPS}/autostack-shop-r1/start")
        for method, path, _ in aci_standin.requests
        if method == "POST"
    )


async def test_logs_read_and_follow(runtime: AciRuntime, aci_standin: AciStandIn) -> None:
    endpoint = await deploy(runtime, aci_standin, "r1")
    await front(aci_standin, endpoint.url, "/first")
    lines = [line.text async for line in runtime.logs("r1")]
    assert lines == ["conformance server r1 started", "GET /first"]
    later = [
        line.text async for line in runtime.logs("r1", since=datetime.now(UTC) - timedelta(hours=1))
    ]
    assert later == lines
    followed = runtime.logs("r1", since=datetime.now(UTC), follow=True)
    await front(aci_standin, endpoint.url, "/second")
    assert (await anext(followed)).text == "GET /second"
    await followed.aclose()


async def test_a_container_that_crashes_fails_the_deploy(
    runtime: AciRuntime, aci_standin: AciStandIn
) -> None:
    with pytest.raises(AciDeployError, match="CrashLoopBackOff"):
        await deploy(runtime, aci_standin, "r1", marker="fail")
    assert not aci_standin.groups, "the failed group is deleted"


async def test_a_restarted_server_still_knows_its_groups(
    runtime: AciRuntime, aci_standin: AciStandIn, tmp_path: Path
) -> None:
    """Status, the meter and logs after a restart (a new runtime on the same data dir),
    without a deploy; the service principal's secret is sealed in the state file."""
    await deploy(runtime, aci_standin, "r1")
    await runtime.stop()
    state = tmp_path / "data" / "deployments" / "r1" / "aci.json"
    assert team(aci_standin)["client_secret"] not in state.read_text()
    restarted = AciRuntime(runtime_settings(tmp_path), credential=credential)
    assert await restarted.status("r1") == ReleaseStatus.READY
    assert await restarted.measure("r1") is not None
    assert [line.text async for line in restarted.logs("r1")]
    await restarted.destroy("r1")
    assert not aci_standin.groups and not state.exists()
    await restarted.stop()


async def test_a_wrong_token_is_refused(tmp_path: Path, aci_standin: AciStandIn) -> None:
    class Wrong(FakeToken):
        def get_token(self, *scopes: str, **options: Any) -> Any:
            from azure.core.credentials import AccessToken

            return AccessToken("someone-else", int(time.time()) + 3600)

    runtime = AciRuntime(Settings(data_dir=tmp_path), credential=lambda values: Wrong())
    with pytest.raises(Exception, match="AuthenticationFailed"):
        await runtime.check(team(aci_standin))
    await runtime.stop()


async def test_a_private_registry_is_pulled_with_the_teams_registry_login(
        runtime: AciRuntime, aci_standin: AciStandIn) -> None:
    aci_standin.private["registry.test"] = ("puller", "pull-s3cret")
    reference = await runtime.publish(artifact("r9", standin_image("r9"), frozenset()))
    release = Release(id="r9", project="shop", artifact=reference, env={},
                      config=team(aci_standin))
    with pytest.raises(AciDeployError, match="registry_username and registry_password"):
        await runtime.deploy(release)

    login = {**team(aci_standin), "registry_username": "puller",
             "registry_password": "pull-s3cret"}
    endpoint = await runtime.deploy(Release(id="r9", project="shop", artifact=reference,
                                            env={}, config=login))
    assert (await front(aci_standin, endpoint.url)).text == "server r9 /"
    put = [body for method, _, body in aci_standin.requests if method == "PUT"][-1] or {}
    assert put["properties"]["imageRegistryCredentials"] == [
        {"server": "registry.test", "username": "puller", "password": "pull-s3cret"}]
    group = aci_standin.answer("GET", GROUPS.join(["/subscriptions/sub-1", "/autostack-shop-r9"]),
                               None)[1]
    assert "password" not in group["properties"]["imageRegistryCredentials"][0]


def test_a_registry_user_needs_its_password(tmp_path: Path) -> None:
    runtime = AciRuntime(Settings(data_dir=tmp_path))
    with pytest.raises(ConfigError) as error:
        runtime.check_config({"subscription_id": "s", "resource_group": "g",
                              "location": "eastus", "tenant_id": "t", "client_id": "c",
                              "client_secret": "x", "registry_username": "puller"})
    assert error.value.field == "registry_password"
    assert registry_host("myacr.azurecr.io/shop/app@sha256:ab") == "myacr.azurecr.io"
    assert registry_host("127.0.0.1:5000/app:1") == "127.0.0.1:5000"
    assert registry_host("library/nginx") == "index.docker.io"


def test_a_teams_values_need_its_own_service_principal(tmp_path: Path) -> None:
    runtime = AciRuntime(Settings(data_dir=tmp_path))
    with pytest.raises(ConfigError) as error:
        runtime.check_config({"subscription_id": "s", "resource_group": "g", "location": "eastus"})
    assert error.value.field == "tenant_id"
    runtime.check_config({})


def test_cost_is_one_instance_while_it_runs(tmp_path: Path) -> None:
    runtime = AciRuntime(Settings(data_dir=tmp_path, runtime_cpus=1, runtime_memory_mb=1024))
    release = Release(id="r1", project="shop", artifact=None, env={})  # type: ignore[arg-type]
    assert runtime.cost_estimate(release).hourly == round(3600 * (0.0000135 + 0.0000015), 6)
    asleep = Release(
        id="r1",
        project="shop",
        artifact=None,
        env={},  # type: ignore[arg-type]
        policy=ScalePolicy(0, 1),
    )
    assert runtime.cost_estimate(asleep).hourly == 0


async def test_the_meter_reads_the_groups_billed_allotment_while_it_runs(
    runtime: AciRuntime, aci_standin: AciStandIn
) -> None:
    """ACI bills the requested vCPU and memory per second while the group runs: the meter
    reads them and the container's start time from the instance view."""
    assert await runtime.measure("r1") is None  # not deployed
    await deploy(runtime, aci_standin, "r1")
    (group,) = aci_standin.groups.values()
    state = group["properties"]["containers"][0]["properties"]["instanceView"]["currentState"]
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    state["startTime"] = hour_ago.isoformat().replace("+00:00", "Z")
    reading = await runtime.measure("r1")
    assert reading is not None and reading.memory_bytes == 512 * 1024 * 1024  # 1 vCPU, 0.5 GB
    assert 3600 <= reading.cpu_seconds < 3600 + 60
    await runtime.scale("r1", ScalePolicy(0, 1))
    assert await runtime.measure("r1") is None  # stopped: not billed, not measured
    await deploy(runtime, aci_standin, "r1")  # started again: the counter starts again
    again = await runtime.measure("r1")
    assert again is not None and again.cpu_seconds < 60

    # A day of 5-minute readings (vCPU-seconds grown, memory each time) at the price table.
    day = Usage(cpu_seconds=86_400.0, memory_gib_hours=0.5 * 24, hours=24.0)
    cost = runtime.estimate_cost(day)
    assert {line.item: line.quantity for line in cost.lines} == {"vcpu": 86_400.0,
                                                                 "memory": 43_200.0}
    assert cost.total == round(86_400 * 0.0000135 + 43_200 * 0.0000015, 6)
