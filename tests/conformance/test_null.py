"""The conformance suite on the null pair (in memory: nothing runs, nothing listens)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from autostack_core.utils import free_port
from autostack_plugins.providers.null import NullEdge, NullRuntime
from tests.conformance import Answer, Pair, ProviderConformance

IDLE_SECONDS = 0.2


def null_pair(runtime: NullRuntime, edge: NullEdge) -> Pair:
    async def request(hostname: str, path: str) -> Answer:
        response = await edge.fetch(hostname, path)
        return Answer(response.status, response.headers, response.body)

    return Pair(runtime, edge, request, idle_seconds=runtime.idle_seconds, timeout=5,
                control_plane=f"http://127.0.0.1:{free_port()}")


class TestNullPair(ProviderConformance):
    @pytest.fixture
    async def pair(self) -> AsyncIterator[Pair]:
        runtime, edge = NullRuntime(idle_seconds=IDLE_SECONDS), NullEdge()
        await edge.start()
        await runtime.start()
        yield null_pair(runtime, edge)
        await runtime.stop()
        await edge.stop()
