"""Cost: each runtime prices a release's measured usage at its price table, and the
usage view shows each deployment's cost (issue 14 item 7).

The figures expected below are worked out by hand from the tables in
docs/cost.md. The cloud runtimes are built without reaching a cloud (pricing
needs none). The fast tier's null runtime stands in for ``local`` in the API
test, with the local runtime's own price table and estimate from the
settings; the meter is handed readings, as in tests/unit/test_usage.py. Runs on
SQLite and, with AUTOSTACK_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Project, TrafficRollup, UsageDay, User
from autostack_core.interfaces.cost import EstimatesCost, Usage
from autostack_core.interfaces.usage import ResourceUsage
from autostack_core.services import usage
from autostack_plugins.providers.local import plugin as local_plugin
from autostack_plugins.providers.local import prices as local_prices
from autostack_plugins.providers.null import NullRuntime
from tests.fixtures_auth import api, owner, personal_team, token_for
from tests.null_edge import null_runtime
from tests.serving import serving
from tests.upload_deploy import deploy_files
from tests.web_fixtures import Site, signed_in, site

__all__ = ["api", "owner", "signed_in", "site"]

MB = 1024 * 1024
DAY = datetime(2026, 11, 30, 10, 0, 30, tzinfo=UTC)
PRICES = {"AUTOSTACK_PRICE_CPU_HOUR": "0.04", "AUTOSTACK_PRICE_MEMORY_GB_HOUR": "0.005",
          "AUTOSTACK_PRICE_CURRENCY": "eur"}


def priced(runtime: NullRuntime, tmp_path: Path) -> NullRuntime:
    """The null runtime (``local`` in the fast tier) with the local runtime's price table,
    at 0.5 a CPU-hour and 0.3 a GB-hour."""
    table = local_prices.price_table(Settings(data_dir=tmp_path, plugin_settings={
        "AUTOSTACK_PRICE_CPU_HOUR": "0.5", "AUTOSTACK_PRICE_MEMORY_GB_HOUR": "0.3"}), "local")
    runtime.price_table = lambda: table  # type: ignore[attr-defined]
    runtime.estimate_cost = lambda measured: local_prices.estimate(  # type: ignore[attr-defined]
        table, measured)
    return runtime


def amounts(cost: object) -> dict[str, float]:
    return {line.item: line.amount for line in cost.lines}  # type: ignore[attr-defined]


def test_the_local_runtime_prices_cpu_time_and_memory_at_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, plugin_settings=PRICES)
    runtimes = local_plugin.register_runtimes(settings)
    assert [runtime.name for runtime in runtimes] == ["local", "containers"]
    for runtime in runtimes:
        assert isinstance(runtime, EstimatesCost)
        cost = runtime.estimate_cost(Usage(cpu_seconds=5400, memory_gib_hours=4, hours=10))
        # 1.5 CPU-hours x 0.04 + 4 GB-hours x 0.005
        assert amounts(cost) == {"cpu": pytest.approx(0.06), "memory": pytest.approx(0.02)}
        assert cost.total == pytest.approx(0.08) and cost.currency == "EUR"
        assert cost.as_of is None and "AUTOSTACK_PRICE_CPU_HOUR" in cost.source
    # Unset, running here costs nothing.
    free = local_plugin.register_runtimes(Settings(data_dir=tmp_path / "free"))[0]
    assert free.estimate_cost(Usage(5400, 4, 10)).total == 0.0
    assert free.price_table().currency == "USD"


@pytest.mark.parametrize(("name", "value", "named"), [
    ("AUTOSTACK_PRICE_CPU_HOUR", "-0.1", "AUTOSTACK_PRICE_CPU_HOUR"),
    ("AUTOSTACK_PRICE_CPU_HOUR", "cheap", "AUTOSTACK_PRICE_CPU_HOUR"),
    ("AUTOSTACK_PRICE_MEMORY_GB_HOUR", "nan", "AUTOSTACK_PRICE_MEMORY_GB_HOUR"),
    ("AUTOSTACK_PRICE_MEMORY_GB_HOUR", "inf", "AUTOSTACK_PRICE_MEMORY_GB_HOUR"),
    ("AUTOSTACK_PRICE_CURRENCY", "dollars", "AUTOSTACK_PRICE_CURRENCY"),
])
def test_a_malformed_price_stops_the_start_naming_the_setting(
    tmp_path: Path, name: str, value: str, named: str
) -> None:
    settings = Settings(data_dir=tmp_path, plugin_settings={**PRICES, name: value})
    with pytest.raises(ValueError, match=named):
        local_plugin.register_runtimes(settings)


def test_eks_prices_pods_at_fargate_and_leaves_the_cluster_fee_out(tmp_path: Path) -> None:
    pytest.importorskip("kubernetes")
    pytest.importorskip("boto3")
    from autostack_plugins.providers.kubernetes.clusters import Clusters
    from autostack_plugins.providers.kubernetes.eks import Eks
    from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime

    settings = Settings(data_dir=tmp_path, runtime_cpus=0.5, runtime_memory_mb=2048)
    eks = KubernetesRuntime(settings, Clusters(), {}, provider=Eks())
    table = eks.price_table()
    assert (table.runtime, table.currency, table.as_of) == ("eks", "USD", "2026-12-07")
    assert table.price("cluster") == 0.10 and "aws.amazon.com/eks/pricing" in table.source
    cost = eks.estimate_cost(Usage(cpu_seconds=0, memory_gib_hours=0, hours=10))  # no reading
    # 10 hours x 0.5 vCPU x 0.04048 + 10 hours x 2 GB x 0.004445; no cluster line
    assert amounts(cost) == {"vcpu": pytest.approx(0.2024), "memory": pytest.approx(0.0889)}
    assert cost.total == pytest.approx(0.2913)


def test_cloud_run_prices_instance_seconds_and_requests(tmp_path: Path) -> None:
    pytest.importorskip("google.cloud.run_v2")
    from autostack_plugins.providers.cloudrun.runtime import CloudRunRuntime

    runtime = CloudRunRuntime(Settings(data_dir=tmp_path, runtime_cpus=1, runtime_memory_mb=512))
    # No meter reading (an estimate): 2 hours at the configured 1 vCPU and 0.5 GiB.
    cost = runtime.estimate_cost(Usage(cpu_seconds=0, memory_gib_hours=0, hours=2,
                                       requests=3_000_000))
    # 7200 vCPU-s x 0.000024 + 3600 GiB-s x 0.0000025 + 3 million x 0.40 a million
    assert amounts(cost) == {"vcpu": pytest.approx(0.1728), "memory": pytest.approx(0.009),
                             "requests": pytest.approx(1.2)}
    assert cost.total == pytest.approx(1.3818)
    # The meter's readings (two instances' allotment for those 2 hours) are billed as read.
    metered = runtime.estimate_cost(Usage(cpu_seconds=14_400, memory_gib_hours=2, hours=2))
    assert amounts(metered) == {"vcpu": pytest.approx(0.3456), "memory": pytest.approx(0.018),
                                "requests": 0}
    assert "2 million requests" in runtime.price_table().notes  # the free tier, not subtracted


def test_aci_prices_the_container_groups_seconds(tmp_path: Path) -> None:
    pytest.importorskip("azure.mgmt.containerinstance")
    from autostack_plugins.providers.aci.runtime import AciRuntime

    runtime = AciRuntime(Settings(data_dir=tmp_path, runtime_cpus=2, runtime_memory_mb=4096))
    # The meter's readings: 2 vCPU and 4 GB allotted for an hour.
    cost = runtime.estimate_cost(Usage(cpu_seconds=7200, memory_gib_hours=4, hours=1))
    # 7200 vCPU-s x 0.0000135 + 14400 GB-s x 0.0000015
    assert amounts(cost) == {"vcpu": pytest.approx(0.0972), "memory": pytest.approx(0.0216)}
    assert cost.total == pytest.approx(0.1188) and cost.as_of == "2026-12-07"
    # No reading (an estimate): the hour at the configured size, the same.
    assert runtime.estimate_cost(Usage(cpu_seconds=0, memory_gib_hours=0, hours=1)) == cost


async def test_the_usage_view_gives_each_deployments_cost(
    autostack: AutoStack, owner: User, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    site = await Project.create(name="site", team=await personal_team(owner), user=owner)
    runtime = priced(null_runtime(autostack), tmp_path)
    readings = [ResourceUsage(1800.0, 512 * MB), ResourceUsage(3600.0, 1536 * MB)]

    async def measure(release_id: str) -> ResourceUsage | None:
        return readings.pop(0) if readings else None

    runtime.measure = measure  # type: ignore[attr-defined]
    production = await deploy_files(autostack, site, {"index.html": "<h1>hi</h1>"})
    for minutes in (0, 5):
        assert await usage.sample(autostack, DAY + timedelta(minutes=minutes)) == 1
    await TrafficRollup.create(project=site, deployment=production, period="d",
                               bucket=DAY.replace(hour=0, minute=0, second=0), requests=42)

    answer = await api.get("/api/v1/projects/site/usage")
    assert answer.status_code == 200
    view = answer.json()
    assert view["prices"]["source"].startswith("settings: AUTOSTACK_PRICE_CPU_HOUR")
    [shown] = view["deployments"]
    assert shown["deployment"] == production.id and shown["runtime"] == "local"
    assert (shown["cpu_seconds"], shown["hours"], shown["requests"]) == (3600.0, 0.17, 42)
    # 1 CPU-hour x 0.5 + (0.5 + 1.5 GiB) x 5 minutes = 1/6 GB-hour x 0.3
    assert shown["cost"]["total"] == pytest.approx(0.55)
    assert shown["cost"]["currency"] == "USD" and shown["cost"]["as_of"] is None

    # A runtime without a price table shows the usage and no cost.
    del runtime.price_table, runtime.estimate_cost  # type: ignore[attr-defined]
    view = (await api.get("/api/v1/projects/site/usage")).json()
    assert view["prices"] is None and view["deployments"][0]["cost"] is None
    assert view["deployments"][0]["cpu_seconds"] == 3600.0


async def test_the_project_page_shows_each_deployments_cost_and_the_prices(
    site: Site, signed_in: tuple[httpx.AsyncClient, str], tmp_path: Path
) -> None:
    priced(site.runtime, tmp_path)
    today = datetime.now(UTC).date()
    # An hour of samples: 1 CPU-hour, 1 GiB held all along.
    await UsageDay.create(project=site.project, deployment_id=site.current.id, day=today,
                          runtime="local", cpu_seconds=3600.0, memory_mb_sum=12 * 1024.0,
                          memory_mb_peak=1024.0, samples=12)
    http, _ = signed_in
    page = (await http.get("/projects/site")).text
    assert "data-usage-deployments" in page and site.current.id in page
    assert "0.8000 USD" in page  # 1 x 0.5 + 1 x 0.3
    assert "Prices of the local runtime (set by this server&#39;s admin)" in page
    assert "cpu: 0.5 USD a CPU-hour" in page


async def test_the_cli_shows_each_deployments_cost(
    autostack: AutoStack, site: Site, owner: User, tmp_path: Path
) -> None:
    priced(site.runtime, tmp_path)
    await UsageDay.create(project=site.project, deployment_id=site.current.id,
                          day=datetime.now(UTC).date(), runtime="local", cpu_seconds=7200.0,
                          memory_mb_sum=12 * 512.0, memory_mb_peak=512.0, samples=12)
    env = {"AUTOSTACK_TOKEN": await token_for(owner), "XDG_CONFIG_HOME": "/nonexistent"}
    async with serving(autostack.asgi()) as url:
        env["AUTOSTACK_SERVER"] = url
        shown, as_json = [await asyncio.to_thread(
            CliRunner().invoke, main, ["cost", "--project", "site", *extra], env=env)
            for extra in ((), ("--json",))]
    assert shown.exit_code == 0, shown.output
    [line] = [line for line in shown.output.splitlines() if site.current.id in line]
    assert "7200 CPU-s" in line and "1.1500 USD" in line  # 2 x 0.5 + 0.5 x 0.3
    assert "prices (set by the server's admin; settings: AUTOSTACK_PRICE_CPU_HOUR" in shown.output
    assert json.loads(as_json.output)["deployments"][0]["cost"]["total"] == pytest.approx(1.15)
