"""Dashboard benchmark: server time and SQL queries of the dashboard and project pages.

Run with ``.venv/bin/python bench/dashboard_bench.py [--postgres URL]``. Builds
the app in-process on a fresh database (SQLite in a temporary directory, and a
scratch PostgreSQL database when ``--postgres`` names the admin connection,
e.g. ``postgres://postgres@127.0.0.1:5432/test``), fills it with 1,000
projects and 20,000 deployments in one team (production aliases, previews,
build logs; every deployment has its detection report and every fifth is a
CLI upload with a 100-file manifest, as real rows do), signs in through the
log-in form, then times 200 requests per page through the ASGI interface (no
network). The baseline of the same run is ``GET /api/v1/user`` with the same
session: a trivial authenticated endpoint. SQL queries are counted in a
separate pass (``tests/query_counter.py``: the ``tortoise.db_client`` debug
log, which would slow the timed pass down). ``--log-lines N`` gives every
finished deployment N build log lines first (a server's log table is big);
``--after-seed SQL`` runs a statement on the seeded database, e.g. to try an
index before it becomes a migration.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from tortoise import connections

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentLog,
    DeploymentState,
    Project,
    Team,
)
from autostack_core.security import accounts
from autostack_core.services import deployments, hostnames
from autostack_core.utils import random_id
from tests.query_counter import counting_queries

PROJECTS = 1_000
DEPLOYMENTS_PER_PROJECT = 20
REQUESTS = 200
WARMUP = 5
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = {"baseline": "/api/v1/user", "dashboard": "/dashboard", "project": "/projects/p-0500"}
DETECTION = {
    "framework": "nextjs", "name": "Next.js", "runtime": "node", "confidence": 0.95,
    "reasons": ["package.json depends on next", "next.config.js found", "build script: next build"],
    "version": "14.2.3", "package_manager": "npm", "install_command": "npm ci",
    "build_command": "npm run build", "output_directory": ".next", "start_command": "npm start",
    "dev_command": "npm run dev", "spa_fallback": False, "detector": "node",
}
MANIFEST = {"files": {f"src/module-{number:03}.js": {"sha256": f"{number:064x}", "size": 4096,
                                                       "mode": 420} for number in range(100)}}


async def seed(team: Team, base_domain: str, log_lines: int = 0) -> None:
    """PROJECTS projects with DEPLOYMENTS_PER_PROJECT deployments each, newest ready."""
    start = datetime.now(UTC) - timedelta(days=30)
    await Project.bulk_create([
        Project(team=team, name=f"p-{number:04}", git_url="https://example.com/app.git",
                production_url=f"http://p-{number:04}.{base_domain}:8080",
                updated_at=start + timedelta(minutes=number))
        for number in range(PROJECTS)
    ], batch_size=500)
    projects = await Project.filter(team=team).order_by("id")
    rows: list[Deployment] = []
    for project in projects:
        for index in range(DEPLOYMENTS_PER_PROJECT):
            last = index == DEPLOYMENTS_PER_PROJECT - 1
            building = last and project.id % 10 == 0
            upload = index % 5 == 2
            rows.append(Deployment(
                project=project, target="production" if index % 3 == 0 or last else "preview",
                source_type="upload" if upload else "git",
                upload_manifest=MANIFEST if upload else None, detection=DETECTION,
                state=DeploymentState.BUILDING if building else DeploymentState.READY,
                branch=None if upload else "main" if index % 3 == 0 or last else f"feature-{index}",
                commit_sha=None if upload else random_id(40).lower(),
                commit_message=None if upload else f"change {index}",
                created_at=start + timedelta(hours=index, minutes=project.id),
                ready_at=None if building else start + timedelta(hours=index, minutes=project.id,
                                                                 seconds=30),
                deployment_url=f"http://{project.name}-{index}.{base_domain}:8080",
            ))
    await Deployment.bulk_create(rows, batch_size=1000)
    await DeploymentLog.bulk_create([
        DeploymentLog(deployment_id=row.id, step="build", line=f"build line {number}")
        for row in sorted(rows, key=lambda row: row.created_at) if row.ready_at is not None
        for number in range(log_lines)
    ], batch_size=5000)
    aliases: list[Alias] = []
    logs: list[DeploymentLog] = []
    for project, first in zip(projects, range(0, len(rows), DEPLOYMENTS_PER_PROJECT),
                              strict=True):
        mine = rows[first:first + DEPLOYMENTS_PER_PROJECT]
        ready = [row for row in mine
                 if row.target == "production" and row.state == DeploymentState.READY]
        aliases.append(Alias(project=project, deployment_id=ready[-1].id, kind=AliasKind.PRODUCTION,
                             hostname=deployments.production_hostname(project.name, base_domain)))
        aliases.append(Alias(project=project, deployment_id=mine[1].id, kind=AliasKind.BRANCH,
                             branch="feature-1", hostname=hostnames.branch_label(
                                 project.name, "feature-1") + f".{base_domain}"))
        if mine[-1].state == DeploymentState.BUILDING:
            logs.extend(DeploymentLog(deployment_id=mine[-1].id, step=step, line=f"{step} line")
                        for step in ("clone", "build", "build"))
    await Alias.bulk_create(aliases, batch_size=1000)
    await DeploymentLog.bulk_create(logs, batch_size=1000)


async def sign_in(http: httpx.AsyncClient, email: str) -> None:
    form = await http.get("/login")
    match = CSRF.search(form.text)
    assert match, "the log-in page has no CSRF token"
    response = await http.post("/login", data={"email": email, "password": PASSWORD,
                                               "csrf_token": match.group(1)})
    assert response.status_code == 303, response.text


async def measure(
    http: httpx.AsyncClient, path: str, requests: int
) -> tuple[float, float, int]:
    """p50 and p95 server time in ms over ``requests`` requests, and the queries of one."""
    for _ in range(WARMUP):
        assert (await http.get(path)).status_code == 200, path
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    with counting_queries() as counter:
        await http.get(path)
    quantiles = statistics.quantiles(times, n=100)
    return quantiles[49], quantiles[94], counter.count


async def run(
    label: str, data_dir: Path, database_url: str | None, requests: int, log_lines: int,
    after_seed: str | None,
) -> dict[str, tuple[float, float, int]]:
    settings = Settings(data_dir=data_dir, database_url=database_url, port=8000)
    app = AutoStack(settings)
    await app.startup()
    try:
        user = await accounts.create_user("bench@example.com", PASSWORD, "Bench")
        team = await Team.get(owner=user, is_personal=True)
        started = time.perf_counter()
        await seed(team, settings.base_domain, log_lines)
        print(f"{label}: seeded {await Project.all().count()} projects, "
              f"{await Deployment.all().count()} deployments, "
              f"{await DeploymentLog.all().count()} log lines "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        if after_seed:
            await connections.get("default").execute_script(after_seed)
            print(f"{label}: ran {after_seed}", flush=True)
        transport = httpx.ASGITransport(app=app.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await sign_in(http, "bench@example.com")
            results = {name: await measure(http, path, requests) for name, path in PAGES.items()}
    finally:
        await app.shutdown()
    base_p95 = results["baseline"][1]
    for name, (p50, p95, queries) in results.items():
        print(f"{label:10} {name:9} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
              f"({p95 / base_p95:4.1f}x baseline)  {queries} queries", flush=True)
    return results


async def on_postgres(
    admin_url: str, data_dir: Path, requests: int, log_lines: int, after_seed: str | None
) -> None:
    """The run on a scratch database of the PostgreSQL server at ``admin_url``."""
    name = f"autostack_bench_{random_id(8).lower()}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        await run("postgresql", data_dir, f"{admin_url.rsplit('/', 1)[0]}/{name}", requests,
                  log_lines, after_seed)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (scratch db)")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="timed requests per page")
    parser.add_argument("--log-lines", type=int, default=0,
                        help="build log lines of every finished deployment")
    parser.add_argument("--after-seed", metavar="SQL", help="a statement to run after seeding")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only is None:
        # One database per process: Aerich keeps its state in class attributes.
        for database in ["sqlite"] + (["postgresql"] if args.postgres else []):
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--only", database],
                           check=True)
        return
    with tempfile.TemporaryDirectory(prefix="autostack-bench-") as folder:
        if args.only == "sqlite":
            asyncio.run(run("sqlite", Path(folder), None, args.requests, args.log_lines,
                            args.after_seed))
        else:
            asyncio.run(on_postgres(args.postgres, Path(folder), args.requests, args.log_lines,
                                    args.after_seed))


if __name__ == "__main__":
    main()
