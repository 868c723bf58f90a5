"""The conformance suite on a pip-installed provider package (tests/plugins/example_provider).

The package is installed from a copy into a folder of its own and put on the
path, so AutoStack finds it as any third-party plugin, through its entry point
in the ``autostack`` group; its runtime and edge come from the
``register_runtimes`` and ``register_edges`` hooks, and its edge is a real
HTTP server the suite reaches over the loopback.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.plugins import get_plugin_manager
from tests.conformance import Answer, Pair, ProviderConformance

PACKAGE = Path(__file__).parents[1] / "plugins" / "example_provider"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    root = tmp_path_factory.mktemp("example-provider")
    shutil.copytree(PACKAGE, root / "source")
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install",
                    "--no-deps", "--no-build-isolation", "--no-index", "--target",
                    str(root / "site"), str(root / "source")], check=True, capture_output=True)
    sys.path.insert(0, str(root / "site"))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root / "site"))
        sys.modules.pop("autostack_example_provider", None)


class TestExampleProvider(ProviderConformance):
    @pytest.fixture
    async def pair(self, installed: None, settings: Settings) -> AsyncIterator[Pair]:
        loaded = get_plugin_manager(default_plugins=())
        assert loaded.manager.has_plugin("example-provider"), loaded.failures
        hook = loaded.manager.hook
        runtime = next(item for result in hook.register_runtimes(settings=settings)
                       for item in result if item.name == "folders")
        edge = next(item for result in hook.register_edges(settings=settings)
                    for item in result if item.name == "example-http")
        await edge.start()
        await runtime.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.port}") as http:

            async def request(hostname: str, path: str) -> Answer:
                http.cookies.clear()
                response = await http.get(path, headers={"Host": hostname})
                return Answer(response.status_code, response.headers, response.content)

            yield Pair(runtime, edge, request, timeout=5)
        await runtime.stop()
        await edge.stop()
