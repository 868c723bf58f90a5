"""The conformance suite on the ``aci`` runtime, against an Azure Resource Manager stand-in.

**Against stand-ins, because no Azure is reachable here**: :mod:`tests.aci_standin`
is an ARM server on the loopback that checks the request shapes documented for
``Microsoft.ContainerInstance/containerGroups``; the runtime speaks to it with the
official ``azure-mgmt-containerinstance`` client and a fake token credential (the
allowed mock). Its container groups run nothing: each answers at its address as
the suite's image app would (``server <marker> <path>``, the marker from the
image's name) and logs each request, so ``runs_code`` is false. The edge is
:class:`tests.conformance.forwarding_edge.ForwardingEdge`, a test stand-in that
forwards over HTTP to each group's ``http://<label>.<location>.azurecontainer.io:8080``
(resolved to the stand-in's front end): ACI has no traffic split, the edge does it.

Skipped, with the suite's reasons: static, server and functions outputs (the
runtime runs images only); scale to zero and wake (``scale`` to zero stops the
group, but only the next deploy starts it, not a request); protection, skew
protection and traffic counts (they need static outputs, and the forwarding
test edge does none of them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from autostack_core.config import Settings
from autostack_core.security.crypto import install_keyring, load_keyring
from tests.aci_standin import AciStandIn, FakeToken, aci_standin, team
from tests.conformance import Pair, ProviderConformance
from tests.conformance.forwarding_edge import ForwardingEdge
from tests.conformance.pair import Files
from tests.kube_standin import standin_image

pytest.importorskip("azure.mgmt.containerinstance")
from autostack_plugins.providers.aci.runtime import AciRuntime

__all__ = ["aci_standin"]
pytestmark = pytest.mark.dbless


class TestAciPairOnTheStandIn(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path, aci_standin: AciStandIn) -> AsyncIterator[Pair]:
        def credential(values: Mapping[str, str]) -> Any:
            return FakeToken()

        settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=10)
        install_keyring(load_keyring(settings.data_dir))  # the runtime seals its placements
        runtime = AciRuntime(settings, team(aci_standin), credential=credential)
        edge = ForwardingEdge(f"http://127.0.0.1:{aci_standin.frontend_port}",
                              ".azurecontainer.io")
        await edge.start()
        await runtime.start()

        async def image(marker: str) -> Files:
            return standin_image(marker)

        try:
            yield Pair(runtime, edge, edge.fetch, runs_code=False, timeout=10, image=image)
        finally:
            await runtime.stop()
            await edge.stop()
