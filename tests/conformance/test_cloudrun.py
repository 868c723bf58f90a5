"""The conformance suite on the ``cloudrun`` runtime, against a Cloud Run Admin API stand-in.

**Against stand-ins, because no Google Cloud is reachable here**:
:mod:`tests.cloudrun_standin` is a Cloud Run Admin API v2 server on the loopback
that checks the request shapes the REST reference documents and authenticates
the service account's signed JWTs; the runtime speaks to it with the official
``google-cloud-run`` client, unmodified. Its revisions run nothing: each answers
on its tag URL as the suite's image app would (``server <marker> <path>``, the
marker from the image's name), so ``runs_code`` is false. The edge is
:class:`tests.conformance.forwarding_edge.ForwardingEdge`, a test stand-in that
forwards over HTTP to each release's tag URL
(``https://r-<id>---<service>….a.run.app``, resolved to the stand-in's front
end), so the 3:1 split here is the edge's; Cloud Run's own split by percent
(``CloudRunRuntime.split``) is tested in ``tests/unit/test_cloudrun_runtime.py``.

Skipped: static, server and functions outputs (the runtime runs images only);
scale to zero and wake (Cloud Run does it itself with ``min_instance_count`` 0,
and the status stays ready, so it is not observable); protection, skew protection
and traffic counts (they need static outputs, and the forwarding test edge does
none of them); logs, read and follow (Cloud Run writes them to Cloud Logging,
which the runtime does not read: ``logs`` yields nothing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_core.security.crypto import install_keyring, load_keyring
from tests.cloudrun_standin import CloudRunStandIn, cloudrun_standin, team_config
from tests.conformance import Pair, ProviderConformance, Stage
from tests.conformance.forwarding_edge import ForwardingEdge
from tests.conformance.pair import Files
from tests.kube_standin import standin_image

pytest.importorskip("google.cloud.run_v2")
from autostack_plugins.providers.cloudrun.runtime import CloudRunRuntime

__all__ = ["cloudrun_standin"]
pytestmark = pytest.mark.dbless


class TestCloudRunPairOnTheStandIn(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path,
                   cloudrun_standin: CloudRunStandIn) -> AsyncIterator[Pair]:
        settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=10)
        install_keyring(load_keyring(settings.data_dir))  # the runtime seals its placements
        runtime = CloudRunRuntime(settings, team_config(cloudrun_standin))
        edge = ForwardingEdge(f"http://127.0.0.1:{cloudrun_standin.frontend_port}", ".a.run.app")
        await edge.start()
        await runtime.start()

        async def image(marker: str) -> Files:
            return standin_image(marker)

        try:
            yield Pair(runtime, edge, edge.fetch, runs_code=False, timeout=10, image=image)
        finally:
            await runtime.stop()
            await edge.stop()

    async def test_logs_read_and_follow(self, pair: Pair, stage: Stage) -> None:
        """Not supported: Cloud Run's logs are in Cloud Logging, which ``logs`` does not read."""
        pytest.skip("runtime cloudrun reads no logs (Cloud Run writes them to Cloud Logging)")
