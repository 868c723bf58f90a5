"""The control plane's side of analytics: CPU time per access-log line ingested.

Run with ``.venv/bin/python bench/analytics_ingest_bench.py [lines]``. Writes
``lines`` access-log lines as the local edge writes them (10 deployments, 200
paths, 1,000 visitors, a referrer on every fifth) into a fresh data folder,
then times ``ingest_log`` (the minute job's work) on SQLite: the process's CPU
time and wall time per line, against ``json.loads`` of the same lines alone
(the floor of any reader of a JSON log) measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, Team
from autostack_core.security import accounts
from autostack_plugins.providers.local.edge_analytics import ingest_log


def log_line(deployment: str, number: int, now: float) -> str:
    headers = {
        "User-Agent": [f"Mozilla/5.0 (X11; Linux x86_64) Agent/{number % 1000}"],
        "Accept": ["text/html"],
        "Accept-Encoding": ["gzip, br"],
    }
    if number % 5 == 0:
        headers["Referer"] = [f"https://site-{number % 7}.example/post"]
    return json.dumps(
        {
            "level": "info",
            "ts": now - (number % 3600),
            "logger": "http.log.access.access",
            "msg": "handled request",
            "request": {
                "remote_ip": f"192.0.2.{number % 250}",
                "remote_port": "40000",
                "client_ip": f"192.0.2.{number % 250}",
                "proto": "HTTP/1.1",
                "method": "GET",
                "host": "site.localhost:8080",
                "uri": f"/page-{number % 200}?x=1",
                "headers": headers,
            },
            "bytes_read": 0,
            "user_id": "",
            "duration": 0.0005 + (number % 100) / 10_000,
            "size": 2048,
            "status": 200 if number % 50 else 404,
            "deployment": deployment,
        }
    )


async def main(lines: int) -> None:
    with tempfile.TemporaryDirectory(prefix="autostack-bench-") as folder:
        app = AutoStack(Settings(data_dir=Path(folder), port=8000))
        await app.startup()
        try:
            user = await accounts.create_user("bench@example.com", "correct horse battery")
            project = await Project.create(team=await Team.get(owner=user), name="site")
            ids = [
                (await Deployment.create(project=project, state=DeploymentState.READY)).id
                for _ in range(10)
            ]
            logs = app.settings.path("logs")
            logs.mkdir(parents=True, exist_ok=True)
            now = time.time()
            text = "\n".join(log_line(ids[n % 10], n, now) for n in range(lines)) + "\n"
            (logs / "edge-access.log").write_text(text)
            cpu, wall = time.process_time(), time.perf_counter()
            for line in text.splitlines():
                json.loads(line)
            parse = (time.process_time() - cpu) / lines * 1e6
            cpu, wall = time.process_time(), time.perf_counter()
            assert await ingest_log(logs) == lines
            ingest_cpu = (time.process_time() - cpu) / lines * 1e6
            ingest_wall = (time.perf_counter() - wall) / lines * 1e6
        finally:
            await app.shutdown()
    print(
        f"{lines} lines: ingest {ingest_cpu:.1f} us CPU per line ({ingest_wall:.1f} us wall), "
        f"json.loads alone {parse:.1f} us ({ingest_cpu / parse:.1f}x)"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
