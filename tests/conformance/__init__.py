"""The provider conformance suite: what every runtime + edge pair must do.

A provider author runs it against their own pair from a test module::

    from tests.conformance import Pair, ProviderConformance

    class TestMyPair(ProviderConformance):
        @pytest.fixture
        async def pair(self, tmp_path):
            runtime, edge = MyRuntime(...), MyEdge(...)
            await edge.start()
            await runtime.start()
            yield Pair(runtime, edge, request=my_request)
            await runtime.stop()
            await edge.stop()

``test_null.py`` runs it on the null pair (fast tier), ``test_local.py`` on the
local pair with real Caddy and bubblewrap (e2e), ``test_example_provider.py``
on a pip-installed example package, ``test_kubernetes.py``, ``test_cloudrun.py``
and ``test_aci.py`` on image runtimes against their APIs' stand-ins (the cloud
ones with :mod:`tests.conformance.forwarding_edge`, a test stand-in edge);
``docs/plugins.md`` walks through it.
"""

from tests.conformance.pair import Answer, Pair, Stage
from tests.conformance.suite import ProviderConformance

__all__ = ["Answer", "Pair", "ProviderConformance", "Stage"]
