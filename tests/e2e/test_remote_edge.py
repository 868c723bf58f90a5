"""The local (Caddy) edge serving a hostname from ACI releases: alias and a weighted split.

**The cloud is a stand-in, because no Azure is reachable here**: the ``aci`` runtime
creates its container groups on :mod:`tests.aci_standin` (an ARM server on the
loopback, the official client, a fake token), whose front end answers each group's
``http://<label>.<location>.azurecontainer.io:8080`` by ``Host``. The edge is the real
one: a Caddy started on free loopback ports, with ``AUTOSTACK_EDGE_RESOLVE`` pointing
the groups' names at the stand-in's front end, as DNS would at the groups' IPs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_core.interfaces.runtime import Release
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from tests.aci_standin import AciStandIn, FakeToken, aci_standin, team
from tests.conformance.pair import artifact
from tests.conftest import free_port
from tests.kube_standin import standin_image

pytest.importorskip("azure.mgmt.containerinstance")
from autostack_plugins.providers.aci.runtime import AciRuntime

__all__ = ["aci_standin"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]
HOST = "shop.localhost"


async def test_aci_releases_are_served_through_the_caddy_edge(
    tmp_path: Path, aci_standin: AciStandIn
) -> None:
    def credential(values: Mapping[str, str]) -> Any:
        return FakeToken()

    runtime = AciRuntime(Settings(data_dir=tmp_path / "aci", health_timeout_seconds=10),
                         credential=credential)
    endpoints = []
    try:
        for release_id in ("r1", "r2"):
            reference = await runtime.publish(
                artifact(release_id, standin_image(f"v-{release_id}"), frozenset()))
            endpoints.append(await runtime.deploy(Release(
                id=release_id, project="shop", artifact=reference, env={},
                config=team(aci_standin))))
    finally:
        await runtime.stop()
    front = f"127.0.0.1:{aci_standin.frontend_port}"
    resolve = ",".join(f"{urlsplit(endpoint.url).hostname}={front}" for endpoint in endpoints)
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(),
                        edge_https_port=free_port(),
                        plugin_settings={"AUTOSTACK_EDGE_RESOLVE": resolve})
    settings.ensure_dirs()
    edge = LocalEdge(Edge(settings))
    await edge.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.edge_port}",
                                     timeout=10) as http:
            await edge.bind(HOST, [WeightedEndpoint(endpoints[0])])
            answer = await http.get("/about", headers={"Host": HOST})
            assert answer.status_code == 200 and answer.text.startswith("server v-r1 /about")

            await edge.bind(HOST, [WeightedEndpoint(endpoints[0], 50),
                                   WeightedEndpoint(endpoints[1], 50)])
            seen = Counter()
            for _ in range(40):
                http.cookies.clear()  # a new visitor each time: the split picks per visitor
                seen[(await http.get("/", headers={"Host": HOST})).text.split()[1]] += 1
            assert set(seen) == {"v-r1", "v-r2"}, seen

            await edge.bind(HOST, [WeightedEndpoint(endpoints[1])])  # promote: a link move
            assert (await http.get("/", headers={"Host": HOST})).text.startswith("server v-r2")
    finally:
        await edge.stop()
