"""The conformance suite on the local pair: real Caddy on free loopback ports, apps in bubblewrap.

The runtime and the edge come from the local plugin's ``register_runtimes`` and
``register_edges`` hooks, as the server gets them, and share one Caddy.
Requests go to the edge's HTTP port with the hostname in ``Host``, one
connection each (a deployment with new routes reloads Caddy, which may close
idle keep-alive connections).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_core.utils import free_port
from autostack_plugins.providers.local import plugin
from tests.conformance import Answer, Pair, ProviderConformance

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

IDLE_SECONDS = 4.0


class TestLocalPair(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path) -> AsyncIterator[Pair]:
        settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(), port=free_port(),
                            edge_https_port=free_port(), health_timeout_seconds=10,
                            runtime_memory_mb=256, preview_idle_seconds=IDLE_SECONDS)
        settings.ensure_dirs()
        install_keyring(load_keyring(settings.data_dir))
        runtime, _containers = plugin.register_runtimes(settings=settings)
        [edge] = plugin.register_edges(settings=settings)
        await edge.start()
        await runtime.start()
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.edge_port}",
                                     timeout=10, limits=limits) as http:

            async def request(hostname: str, path: str) -> Answer:
                http.cookies.clear()
                response = await http.get(path, headers={"Host": hostname})
                return Answer(response.status_code, response.headers, response.content)

            try:
                yield Pair(runtime, edge, request, hostname=lambda label: f"{label}.localhost",
                           runs_code=True, idle_seconds=IDLE_SECONDS, timeout=20,
                           control_plane=settings.local_url)
            finally:
                await runtime.stop()
                await edge.stop()
