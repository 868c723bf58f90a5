"""Remote releases (Cloud Run, ACI) on the local edge without Caddy: the files a binding
writes, the proxy route Caddy gets, what is refused. ``tests/e2e/test_remote_edge.py``
serves ACI releases through a real Caddy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_core.interfaces.runtime import Endpoint
from autostack_plugins.providers.local.edge import Edge, EdgeDeployment, EdgeError
from autostack_plugins.providers.local.edge_config import caddy_config
from autostack_plugins.providers.local.edge_remote import (
    RESOLVE,
    dial_address,
    resolved,
)
from autostack_plugins.providers.local.local_edge import LocalEdge, endpoint_of

pytestmark = pytest.mark.dbless
HOST = "shop.localhost"
RUN = Endpoint(release_id="r1", url="https://r-r1---autostack-shop-abc.a.run.app")
ACI = Endpoint(release_id="r2", url="http://autostack-shop-r2.eastus.azurecontainer.io:8080")


def local_edge(tmp_path: Path, resolve: str = "") -> LocalEdge:
    """An edge whose Caddy is never started (configuration changes are skipped)."""
    settings = Settings(data_dir=tmp_path / "data", edge_port=8080, edge_https_port=8443,
                        plugin_settings={RESOLVE: resolve} if resolve else {})
    settings.ensure_dirs()
    edge = Edge(settings)

    async def no_caddy() -> None:
        return None

    edge._apply_profiles = no_caddy  # type: ignore[method-assign]
    edge.hosts_dir.mkdir(parents=True)
    edge.state.deployments["dpla"] = EdgeDeployment(id="dpla", root=str(tmp_path), hostnames=[])
    (edge.deployments_dir / "dpla").mkdir(parents=True)
    return LocalEdge(edge)


def proxies(edge: LocalEdge) -> list[dict[str, Any]]:
    """Every ``reverse_proxy`` handler of the edge's Caddy configuration."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("handler") == "reverse_proxy":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(caddy_config(edge.edge.state, edge.settings))
    return found


async def test_a_cloud_run_and_an_aci_release_split_a_hostname_with_a_local_one(
    tmp_path: Path,
) -> None:
    edge = local_edge(tmp_path, resolve="autostack-shop-r2.eastus.azurecontainer.io=10.0.0.7:80")
    await edge.bind(HOST, [WeightedEndpoint(endpoint_of("dpla"), 50), WeightedEndpoint(RUN, 30),
                           WeightedEndpoint(ACI, 20)])
    assert edge.edge.state.splits[HOST] == {"dpla": 50, "r1": 30, "r2": 20}
    folders = edge.edge.deployments_dir
    assert [p.name for p in (folders / "r1").glob("remote@*")] == \
        ["remote@r-r1---autostack-shop-abc.a.run.app@r-r1---autostack-shop-abc.a.run.app@443"]
    assert [p.name for p in (folders / "r2").glob("remote@*")] == \
        ["remote@autostack-shop-r2.eastus.azurecontainer.io@10.0.0.7@80"]
    remote = [proxy for proxy in proxies(edge) if "remote" in proxy["upstreams"][0]["dial"]]
    by_tls = {"transport" in proxy: proxy for proxy in remote}
    assert len(remote) == 2  # one route per scheme, however many remote releases
    assert by_tls[True]["transport"]["tls"]["server_name"] == "{http.regexp.remote.1}"
    for proxy in remote:
        assert proxy["headers"]["request"]["set"]["Host"] == ["{http.regexp.remote.1}"]

    await edge.bind(HOST, [WeightedEndpoint(ACI)])  # the promotion is a link move
    assert edge.edge.state.aliases[HOST] == "r2" and HOST not in edge.edge.state.splits
    assert (edge.edge.hosts_dir / HOST).resolve() == (folders / "r2").resolve()


async def test_what_the_edge_refuses_changes_nothing(tmp_path: Path) -> None:
    edge = local_edge(tmp_path)
    with pytest.raises(EdgeError, match="served by this machine"):
        await edge.bind(HOST, [WeightedEndpoint(Endpoint(release_id="dpla", url=RUN.url))])
    with pytest.raises(EdgeError, match="cannot proxy"):
        await edge.bind(HOST, [WeightedEndpoint(Endpoint(release_id="r3", url="https://[::1]/"))])
    with pytest.raises(EdgeError, match="cannot split"):
        await edge.bind(HOST, [WeightedEndpoint(RUN, 0)])
    assert set(edge.edge.state.deployments) == {"dpla"} and not edge.edge.state.aliases


@pytest.mark.parametrize("bad", ["host", "host=1.2.3.4", "host=1.2.3.4:x", "a b=1:2"])
def test_a_resolve_entry_it_cannot_read_names_the_setting(bad: str) -> None:
    with pytest.raises(EdgeError, match=RESOLVE):
        resolved(Settings(plugin_settings={RESOLVE: bad}))
    assert resolved(Settings(plugin_settings={RESOLVE: "A.example=127.0.0.1:81, b=c:2"})) == \
        {"a.example": ("127.0.0.1", 81), "b": ("c", 2)}


def test_a_wildcard_resolve_entry_maps_every_name_under_its_domain() -> None:
    settings = Settings(plugin_settings={
        RESOLVE: "*.a.run.app=127.0.0.1:81,*.run.app=127.0.0.1:82,x.a.run.app=127.0.0.1:83"})
    assert dial_address(settings, "r-1---shop-abc.a.run.app", 443) == ("127.0.0.1", 81)
    assert dial_address(settings, "b.run.app", 443) == ("127.0.0.1", 82)
    assert dial_address(settings, "x.a.run.app", 443) == ("127.0.0.1", 83)
    assert dial_address(settings, "run.app", 443) == ("run.app", 443)
    assert dial_address(settings, "example.com", 80) == ("example.com", 80)


async def test_an_idle_remote_release_leaves_the_edge_one_change_later(tmp_path: Path) -> None:
    edge = local_edge(tmp_path)
    await edge.bind(HOST, [WeightedEndpoint(RUN)])
    await edge.bind(HOST, [WeightedEndpoint(endpoint_of("dpla"))])  # rollback to the local one
    assert "r1" in edge.edge.state.deployments  # kept: a request may have just found it
    await edge.unbind("other.localhost")  # any later change
    assert "r1" not in edge.edge.state.deployments
    assert not (edge.edge.deployments_dir / "r1").exists()
    assert (edge.edge.hosts_dir / HOST).resolve() == (edge.edge.deployments_dir / "dpla").resolve()
