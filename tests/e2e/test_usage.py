"""The local runtime measures a running server app: CPU time and memory from its cgroup.

The app is the uptime e2e test's prebuilt Python server (tests/e2e/test_uptime.py),
run by the real local runtime (bubblewrap, supervisor, runtime cgroup) behind
the real Caddy edge. Sampling and the cost view on top of the readings: the
fast tier's tests/unit/test_usage.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.usage import MeasuresUsage
from autostack_core.security.crypto import install_keyring, load_keyring
from tests.conftest import free_port
from tests.e2e.test_uptime import write_app
from tests.local_pair import LocalPair, release

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[LocalPair]:
    settings = Settings(
        data_dir=tmp_path / "data",
        edge_port=free_port(),
        edge_https_port=free_port(),
        runtime_memory_mb=256,
    )
    settings.ensure_dirs()
    install_keyring(load_keyring(settings.data_dir))
    local = LocalPair(settings)
    await local.start()
    try:
        yield local
    finally:
        await local.stop()


async def test_a_running_app_is_measured_and_a_destroyed_one_is_not(
    pair: LocalPair, tmp_path: Path
) -> None:
    output = write_app(tmp_path / "app") / "prebuilt"
    app = release("metered1", output, "metered.localhost")
    await pair.route("metered.localhost", app)
    assert isinstance(pair.runtime, MeasuresUsage)
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(50):
            answer = await http.get(
                f"http://127.0.0.1:{pair.settings.edge_port}/",
                headers={"host": "metered.localhost"},
            )
            assert answer.text == "watched app"
    first = await pair.runtime.measure("metered1")
    assert first is not None
    assert first.cpu_seconds > 0  # python's start and 50 answers
    assert 1024 * 1024 < first.memory_bytes < 1024 * 1024 * 1024
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(200):
            await http.get(
                f"http://127.0.0.1:{pair.settings.edge_port}/",
                headers={"host": "metered.localhost"},
            )
    later = await pair.runtime.measure("metered1")
    assert later is not None and later.cpu_seconds >= first.cpu_seconds  # a counter

    await pair.runtime.destroy("metered1")
    assert await pair.runtime.measure("metered1") is None
    assert await pair.runtime.measure("never-deployed") is None
