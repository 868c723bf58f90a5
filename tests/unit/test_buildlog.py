"""A build log closing while its background flush is still writing to the database."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build import buildlog
from autostack_core.build.buildlog import BuildLog
from autostack_core.infrastructure.models import Deployment, DeploymentLog, Project
from tests.fixtures_auth import api, owner

__all__ = ["api", "owner"]


async def test_closing_waits_for_a_flush_in_progress_instead_of_cancelling_it(
    autostack: AutoStack, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer (a CLI command, a second worker) holds SQLite's write lock, so the
    background flush waits inside its INSERT when the pipeline closes the log.

    Cancelling that flush left its transaction open on the server's one SQLite
    connection: the next batch failed with "cannot start a transaction within a
    transaction" (the fast tier's flaky test_git_credentials, a benchmark's upload),
    and the cancelled batch was never committed.
    """
    if not autostack.settings.is_sqlite:
        pytest.skip("SQLite's single shared connection; PostgreSQL runs each query on its own")
    await api.post("/api/v1/projects", json={"name": "site"})
    deployment = await Deployment.create(project=await Project.get(name="site"))
    monkeypatch.setattr(buildlog, "FLUSH_SECONDS", 0)
    other = sqlite3.connect(autostack.settings.data_dir / "autostack.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the other writer's lock
        log = BuildLog(deployment.id, autostack.events)
        log.write("build", "first line")
        await asyncio.sleep(0.5)  # the flush has begun and waits for the lock (up to 5 s)
        closing = asyncio.create_task(log.close())
        log.write("done", "last line")
        await asyncio.sleep(0.2)
        other.execute("COMMIT")
        await asyncio.wait_for(closing, 10)
    finally:
        other.close()
    await log.flush()
    lines = await DeploymentLog.filter(deployment_id=deployment.id).values_list("line", flat=True)
    assert sorted(lines) == ["first line", "last line"]
    # What a later request writes is committed: another connection sees it.
    log.write("build", "later")
    await log.close()
    with sqlite3.connect(autostack.settings.data_dir / "autostack.db") as reader:
        seen = reader.execute("SELECT line FROM deployment_logs ORDER BY id").fetchall()
    assert [line for (line,) in seen] == ["first line", "last line", "later"]
