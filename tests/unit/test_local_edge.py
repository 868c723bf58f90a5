"""The local edge without Caddy: how weights become buckets, the files a binding writes,
what it refuses, and the public URLs. ``tests/e2e/test_local_edge.py`` serves them for real."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.edge import Protection, WeightedEndpoint
from autostack_core.interfaces.runtime import Endpoint
from autostack_plugins.providers.local.edge import Edge, EdgeDeployment, EdgeError, EdgeState
from autostack_plugins.providers.local.edge_protection import adopt_markers
from autostack_plugins.providers.local.edge_splits import (
    BUCKETS,
    BUCKETS_FOLDER,
    SPLIT_MARKER,
    bucket_owners,
)
from autostack_plugins.providers.local.local_edge import LocalEdge, endpoint_of, release_of

HOST = "shop.localhost"


def test_weights_become_contiguous_bucket_ranges() -> None:
    owners = bucket_owners({"a": 80, "b": 20})
    assert Counter(owners) == {"a": 205, "b": 51}
    assert owners == ["a"] * 205 + ["b"] * 51
    assert Counter(bucket_owners({"a": 1, "b": 1, "c": 1})) == {"a": 86, "b": 85, "c": 85}
    assert Counter(bucket_owners({"a": 0, "b": 3})) == {"b": BUCKETS}
    tiny = Counter(bucket_owners({"a": 100_000, "b": 1}))
    assert tiny["b"] == 1 and tiny["a"] == BUCKETS - 1
    generator = random.Random(13)
    for _ in range(200):
        weights = {f"d{i}": generator.randint(0, 1000) for i in range(generator.randint(1, 9))}
        weights["d0"] += 1
        counts = Counter(bucket_owners(weights))
        total = sum(weight for weight in weights.values())
        assert sum(counts.values()) == BUCKETS
        for owner, weight in weights.items():
            if weight == 0:
                assert owner not in counts
            else:
                assert abs(counts[owner] - weight * BUCKETS / total) < 2


@pytest.mark.parametrize("weights", [{"a": 0, "b": 0}, {}, {"a": -1, "b": 5}])
def test_weights_sending_traffic_nowhere_are_refused(weights: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        bucket_owners(weights)


def test_only_the_local_runtimes_endpoints_are_accepted() -> None:
    assert release_of(endpoint_of("dpl1")) == "dpl1"
    for url in ("https://app-x.a.run.app", "local://other", "dpl1"):
        with pytest.raises(EdgeError, match="only the local runtime"):
            release_of(Endpoint(release_id="dpl1", url=url))


@pytest.fixture
def local_edge(tmp_path: Path) -> LocalEdge:
    """An edge whose Caddy is never started: binding changes files only."""
    settings = Settings(data_dir=tmp_path / "data", edge_port=8080, edge_https_port=8443)
    settings.ensure_dirs()
    edge = Edge(settings)
    edge.hosts_dir.mkdir(parents=True)
    for name in ("a", "b", "c"):
        folder = edge.deployments_dir / f"dpl{name}"
        folder.mkdir(parents=True)
        edge.state.deployments[f"dpl{name}"] = EdgeDeployment(
            id=f"dpl{name}", root=str(tmp_path), hostnames=[f"{name}.localhost"])
    return LocalEdge(edge)


def target(name: str, weight: int = 100) -> WeightedEndpoint:
    return WeightedEndpoint(endpoint_of(f"dpl{name}"), weight)


def bucket_targets(edge: Edge, hostname: str) -> Counter[str]:
    folder = edge.hosts_dir / hostname
    assert (folder / SPLIT_MARKER).exists()
    return Counter(Path(os.readlink(folder / BUCKETS_FOLDER / f"{bucket:02x}")).name
                   for bucket in range(BUCKETS))


async def test_bind_writes_an_alias_or_a_split_and_tells_who_lost_traffic(
    local_edge: LocalEdge,
) -> None:
    edge = local_edge.edge
    unserved: list[str] = []
    edge.on_unserved.append(unserved.append)
    link = edge.hosts_dir / HOST

    await local_edge.bind(HOST, [target("a")])
    assert os.readlink(link) == str(edge.deployments_dir / "dpla")
    await local_edge.bind(HOST, [target("a", 3), target("b", 1)])
    assert bucket_targets(edge, HOST) == {"dpla": 192, "dplb": 64}
    assert edge.served_by(HOST) == "dpla" and unserved == []
    await local_edge.bind(HOST, [target("b", 1), target("c", 1)])
    assert bucket_targets(edge, HOST) == {"dplb": 128, "dplc": 128}
    assert unserved == ["dpla"]

    saved = EdgeState.load(edge.state_path)
    assert saved.splits == {HOST: {"dplb": 1, "dplc": 1}} and HOST not in saved.aliases
    assert saved.targets(HOST) == ["dplb", "dplc"] and saved.in_use("dplc")

    await local_edge.bind(HOST, [target("c", 0), target("b", 5)])
    assert os.readlink(link) == str(edge.deployments_dir / "dplb")
    assert unserved == ["dpla", "dplc"]
    # The split folder just left stays for requests reading it; older ones are gone.
    assert len(list((edge.splits_dir / HOST).iterdir())) == 1
    await local_edge.unbind(HOST)
    assert not link.exists() and not (edge.splits_dir / HOST).exists()
    assert unserved == ["dpla", "dplc", "dplb"]
    assert EdgeState.load(edge.state_path).targets(HOST) == []


async def test_refused_bindings_change_nothing(local_edge: LocalEdge) -> None:
    edge = local_edge.edge
    await local_edge.bind(HOST, [target("a", 1), target("b", 1)])
    before = os.readlink(edge.hosts_dir / HOST)
    foreign = WeightedEndpoint(Endpoint(release_id="x", url="ftp://x.example"), 1)
    for targets, message in [([target("a", 0)], "weight"), ([target("a", -1)], "negative"),
                             ([target("a"), foreign], "only the local runtime"),
                             ([target("a"), target("gone")], "not on the edge"),
                             ([target("b")], None)]:
        if message is None:
            # Another deployment's own hostname cannot be bound.
            with pytest.raises(EdgeError, match="own hostname"):
                await local_edge.bind("a.localhost", targets)
            continue
        with pytest.raises(EdgeError, match=message):
            await local_edge.bind(HOST, targets)
    assert os.readlink(edge.hosts_dir / HOST) == before
    assert edge.state.splits == {HOST: {"dpla": 1, "dplb": 1}}


async def test_several_hostnames_bind_together_or_not_at_all(local_edge: LocalEdge) -> None:
    """A deployment's aliases move in one call (one save of the state); a refusal for one
    of them moves none."""
    edge = local_edge.edge
    unserved: list[str] = []
    edge.on_unserved.append(unserved.append)
    other = "other.localhost"
    await local_edge.bind_many({HOST: [target("a")], other: [target("a")]})
    await local_edge.bind_many({HOST: [target("b")], other: [target("a", 1), target("c", 1)],
                                "b.localhost": [target("b")]})
    assert os.readlink(edge.hosts_dir / HOST) == str(edge.deployments_dir / "dplb")
    assert bucket_targets(edge, other) == {"dpla": 128, "dplc": 128}
    saved = EdgeState.load(edge.state_path)
    assert saved.targets(HOST) == ["dplb"] and saved.targets(other) == ["dpla", "dplc"]
    # dpla lost a hostname; the listener sees it still serves the other one.
    assert unserved == ["dpla"] and edge.state.in_use("dpla")

    with pytest.raises(EdgeError, match="not on the edge"):
        await local_edge.bind_many({HOST: [target("c")], other: [target("gone")]})
    assert os.readlink(edge.hosts_dir / HOST) == str(edge.deployments_dir / "dplb")
    assert EdgeState.load(edge.state_path).targets(HOST) == ["dplb"]
    assert edge.state.targets(HOST) == ["dplb"]
    assert edge.state.splits == {other: {"dpla": 1, "dplc": 1}}


def found_marker(edge: Edge, hostname: str) -> str:
    """The marker name Caddy's glob ``hosts/<hostname>/profile-*`` finds first."""
    return sorted(path.name for path in (edge.hosts_dir / hostname).glob("profile-*"))[0]


async def test_protection_and_skew_windows_are_flags_of_the_marker_a_request_finds(
    local_edge: LocalEdge,
) -> None:
    """The one lookup that routes a request says whether it is checked and may be pinned."""
    edge = local_edge.edge
    edge.tree.write_all(edge.state)  # markers, and the deployments' own hostnames
    marker = edge.state.deployments["dpla"].marker
    protection = Protection(control_plane=edge.settings.local_url)
    await local_edge.protect(HOST, protection)  # before it is bound, as the core does
    await local_edge.bind(HOST, [target("a")])
    assert found_marker(edge, HOST) == f"{marker}~p"
    await local_edge.skew_protection(HOST, 60)
    assert found_marker(edge, HOST) == f"{marker}~ps"
    await local_edge.bind(HOST, [target("a", 1), target("b", 1)])
    assert found_marker(edge, HOST) == f"{SPLIT_MARKER}~ps"
    await local_edge.protect(HOST, None)
    assert found_marker(edge, HOST) == f"{SPLIT_MARKER}~s"
    await local_edge.skew_protection(HOST, 0)
    assert found_marker(edge, HOST) == SPLIT_MARKER
    await local_edge.bind(HOST, [target("b")])
    assert found_marker(edge, HOST) == edge.state.deployments["dplb"].marker
    assert found_marker(edge, "a.localhost") == marker
    await local_edge.protect("a.localhost", protection)
    assert found_marker(edge, "a.localhost") == f"{marker}~p"
    assert EdgeState.load(edge.state_path).protected == ["a.localhost"]
    with pytest.raises(EdgeError, match="control plane"):
        await local_edge.protect(HOST, Protection(control_plane="http://10.0.0.9:8000"))
    assert "shop.localhost" not in edge.state.protected


def test_the_saved_state_reads_back_as_it_was(tmp_path: Path) -> None:
    """Everything the edge must serve after a restart, nested routes and ports included."""
    state = EdgeState(
        deployments={"dpla": EdgeDeployment(
            id="dpla", root="/srv/a", hostnames=["a.localhost"],
            config={"version": 3, "routes": [{"src": "/old", "dest": "/new", "status": 308}]},
            has_404_page=True, replicas=2, server=True, functions={"node": ["/api/hello"]},
            upstreams={"server": [4001, 4002]}, remote="")},
        aliases={HOST: "dpla"}, splits={"split.localhost": {"dpla": 3, "dplb": 1}},
        redirects={"www.localhost": "308@shop.localhost"}, https=[HOST], skew={HOST: 600},
        unserved={HOST: {"dplb": 1700000000.5}}, protected=["a.localhost"])
    state.save(tmp_path / "state.json")
    assert EdgeState.load(tmp_path / "state.json") == state


def test_protection_markers_of_an_older_edge_are_adopted(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.path("edge", "protected").mkdir(parents=True)
    settings.path("edge", "protected", "old.localhost").touch()
    state = EdgeState(protected=["new.localhost"])
    assert adopt_markers(settings, state)
    assert state.protected == ["new.localhost", "old.localhost"]


async def test_a_redirect_replaces_the_binding(local_edge: LocalEdge) -> None:
    edge = local_edge.edge
    await local_edge.bind(HOST, [target("a")])
    await local_edge.redirect(HOST, "www.shop.localhost", 308)
    assert edge.state.redirects == {HOST: "308-www.shop.localhost"}
    assert not (edge.hosts_dir / HOST).exists()
    with pytest.raises(EdgeError, match="redirect status"):
        await local_edge.redirect(HOST, "www.shop.localhost", 200)
    await local_edge.bind(HOST, [target("b")])
    assert edge.state.redirects == {} and edge.served_by(HOST) == "dplb"


def test_public_urls_follow_the_ports_and_the_certificate(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, edge_port=80, edge_https_port=443)
    edge = LocalEdge(Edge(settings))
    assert edge.public_url("Shop.localhost") == "http://shop.localhost"
    edge.edge.state.https.append("www.example.com")
    assert edge.public_url("www.example.com") == "https://www.example.com"
    other = LocalEdge(Edge(Settings(data_dir=tmp_path, edge_port=8080, edge_https_port=8443)))
    other.edge.state.https.append("www.example.com")
    assert other.public_url("shop.localhost") == "http://shop.localhost:8080"
    assert other.public_url("www.example.com") == "https://www.example.com:8443"


async def test_a_removed_deployment_leaves_no_pin_behind(local_edge: LocalEdge) -> None:
    """Requests within a skew window may be pinned to the deployment an alias left; once
    that deployment is removed, its pin link goes with it (it would point nowhere)."""
    edge = local_edge.edge
    await local_edge.skew_protection(HOST, 600)
    await local_edge.bind(HOST, [target("a")])
    await local_edge.bind(HOST, [target("b")])
    pins = edge.tree.skew_dir / HOST
    assert sorted(path.name for path in pins.iterdir()) == ["dpla", "dplb"]
    await edge.remove("dpla")
    assert sorted(path.name for path in pins.iterdir()) == ["dplb"]


async def test_an_unchanged_skew_window_writes_nothing(local_edge: LocalEdge) -> None:
    """The core gives every alias it moves the project's window again; when the window is
    the hostname's already, the state and its files stay as the bind left them."""
    edge = local_edge.edge
    await local_edge.skew_protection(HOST, 600)
    await local_edge.bind(HOST, [target("a")])
    await local_edge.bind(HOST, [target("b")])
    saved = edge.state_path.stat().st_mtime_ns
    pins = sorted(path.name for path in (edge.tree.skew_dir / HOST).iterdir())
    await local_edge.skew_protection(HOST, 600)
    assert edge.state_path.stat().st_mtime_ns == saved
    assert sorted(path.name for path in (edge.tree.skew_dir / HOST).iterdir()) == pins
    await local_edge.skew_protection(HOST, 0)
    assert not (edge.tree.skew_dir / HOST).exists() and HOST not in edge.state.skew


async def test_a_server_apps_ports_are_the_end_of_its_marker_and_move_with_it(
    local_edge: LocalEdge,
) -> None:
    """The lookup that routes a request also gives the server's 16 slot ports: no slot files
    for it (a function's stay), and moving it renames every marker, flagged ones too."""
    edge = local_edge.edge
    deployment = edge.state.deployments["dpla"]
    deployment.server = True
    deployment.functions = {"node": ["/api/hello"]}
    edge.tree.write_all(edge.state)
    await local_edge.protect(HOST, Protection(control_plane=edge.settings.local_url))
    await local_edge.bind(HOST, [target("a")])
    profile = f"profile-{deployment.profile}.dpla"
    assert found_marker(edge, "a.localhost") == profile  # no replica yet: the 503 page
    await edge.set_upstreams("dpla", "server", [4001, 4002])
    await edge.set_upstreams("dpla", "fn-node", [4003])
    ports = ",".join(["4001,4002"] * 8)
    assert found_marker(edge, "a.localhost") == f"{profile}={ports}"
    assert found_marker(edge, HOST) == f"{profile}={ports}~p"
    await edge.set_upstreams("dpla", "server", [4005])  # a restart, a wake, a scale to one
    folder = edge.deployments_dir / "dpla"
    for flags in ("", "p", "ps", "s"):
        assert [path.name for path in (folder / flags).glob("profile-*")] == \
            [f"{profile}={','.join(['4005'] * 16)}{'~' + flags if flags else ''}"]
    assert not list(folder.glob("up-server-*"))
    assert sorted(path.name for path in folder.glob("up-fn-node-*")) == \
        [f"up-fn-node-{slot}-4003" for slot in "0123456789abcdef"]
    assert EdgeState.load(edge.state_path).deployments["dpla"].upstreams["server"] == [4005]
