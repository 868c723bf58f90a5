"""Analytics page and API: server time with 30 days of data for 100 projects.

Run with ``.venv/bin/python bench/analytics_bench.py [--postgres URL] [--requests N]``.
Builds the app in-process on a fresh database (SQLite in a temporary folder;
a scratch PostgreSQL database with ``--postgres``), seeds 100 projects with
two deployments each and 30 days of analytics for the production one: minute
roll-ups for the last day, hour roll-ups for 30 days, day roll-ups, 20 paths
and 5 referrers per row, visitor hashes (2 an hour, 30 a day) and 5 page
views' web vitals a day; then times the plain dashboard page (the baseline of
the same run), the Analytics tab and the API at 24 hours and 30 days, through
the ASGI interface with a signed-in session (``dashboard_bench``'s method).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard_bench import PASSWORD, measure, sign_in

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    AnalyticsVisitor,
    Deployment,
    DeploymentState,
    Project,
    Team,
    TrafficRollup,
    WebVital,
)
from autostack_core.security import accounts
from autostack_core.utils import random_id

PROJECTS = 100
DAYS = 30
PAGES = {
    "dashboard (baseline)": "/dashboard",
    "analytics tab, 24h": "/projects/p-050/analytics?range=24h",
    "analytics tab, 30d": "/projects/p-050/analytics?range=30d",
    "API, 24h": "/api/v1/projects/p-050/analytics?range=24h",
    "API, 30d": "/api/v1/projects/p-050/analytics?range=30d",
}


def rollup(
    project: Project, deployment: str, period: str, bucket: datetime, requests: int
) -> TrafficRollup:
    return TrafficRollup(
        project=project,
        deployment_id=deployment,
        period=period,
        bucket=bucket,
        requests=requests,
        bytes_sent=requests * 20_000,
        status_2xx=requests - requests // 20,
        status_3xx=0,
        status_4xx=requests // 25,
        status_5xx=requests // 100,
        latency={str(index): requests // 8 for index in range(8, 16)},
        paths={f"/page-{number}": requests // (number + 2) for number in range(20)},
        referrers={f"site-{number}.example": requests // (number + 5) for number in range(5)},
    )


async def seed(team: Team) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    await Project.bulk_create(
        [Project(team=team, name=f"p-{number:03}") for number in range(PROJECTS)]
    )
    projects = await Project.filter(team=team).order_by("id")
    deployments = [
        Deployment(project=project, state=DeploymentState.READY, target=target)
        for project in projects
        for target in ("preview", "production")
    ]
    await Deployment.bulk_create(deployments, batch_size=500)
    production = {
        row.project_id: row.id  # type: ignore[attr-defined]
        for row in await Deployment.filter(target="production")
    }
    today = now.replace(hour=0, minute=0)
    hour = now.replace(minute=0)
    for project in projects:
        live = production[project.id]
        rows = [rollup(project, live, "m", now - timedelta(minutes=m), 20) for m in range(1440)]
        rows += [
            rollup(project, live, "h", hour - timedelta(hours=h), 1200) for h in range(DAYS * 24)
        ]
        rows += [rollup(project, live, "d", today - timedelta(days=d), 28_800) for d in range(DAYS)]
        await TrafficRollup.bulk_create(rows, batch_size=2000)
        visitors = [
            AnalyticsVisitor(
                project=project,
                deployment_id=live,
                period="h",
                bucket=hour - timedelta(hours=h),
                visitor=random_id(32),
            )
            for h in range(DAYS * 24)
            for _ in range(2)
        ]
        visitors += [
            AnalyticsVisitor(
                project=project,
                deployment_id=live,
                period="d",
                bucket=today - timedelta(days=d),
                visitor=random_id(32),
            )
            for d in range(DAYS)
            for _ in range(30)
        ]
        await AnalyticsVisitor.bulk_create(visitors, batch_size=2000)
        await WebVital.bulk_create(
            [
                WebVital(
                    project=project,
                    deployment_id=live,
                    path=f"/page-{view % 5}",
                    metric=metric,
                    value=100.0 + view,
                    created_at=now - timedelta(days=d),
                )
                for d in range(DAYS)
                for view in range(5)
                for metric in ("LCP", "INP", "CLS", "TTFB")
            ],
            batch_size=2000,
        )


async def run(label: str, data_dir: Path, database_url: str | None, requests: int) -> None:
    settings = Settings(data_dir=data_dir, database_url=database_url, port=8000)
    app = AutoStack(settings)
    await app.startup()
    try:
        user = await accounts.create_user("bench@example.com", PASSWORD, "Bench")
        team = await Team.get(owner=user, is_personal=True)
        started = time.perf_counter()
        await seed(team)
        print(
            f"{label}: seeded {await TrafficRollup.all().count()} roll-ups, "
            f"{await AnalyticsVisitor.all().count()} visitor rows, "
            f"{await WebVital.all().count()} vitals in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        transport = httpx.ASGITransport(app=app.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await sign_in(http, "bench@example.com")
            results = {name: await measure(http, path, requests) for name, path in PAGES.items()}
    finally:
        await app.shutdown()
    base = results["dashboard (baseline)"]
    for name, (p50, p95, queries) in results.items():
        print(
            f"{label:10} {name:22} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
            f"(p50 {p50 / base[0]:4.1f}x, p95 {p95 / base[1]:4.1f}x the dashboard)  "
            f"{queries} queries",
            flush=True,
        )


async def on_postgres(admin_url: str, data_dir: Path, requests: int) -> None:
    name = f"autostack_bench_{random_id(8).lower()}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        await run("postgresql", data_dir, f"{admin_url.rsplit('/', 1)[0]}/{name}", requests)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (scratch db)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only is None:
        for database in ["sqlite"] + (["postgresql"] if args.postgres else []):
            subprocess.run(
                [sys.executable, __file__, *sys.argv[1:], "--only", database], check=True
            )
        return
    with tempfile.TemporaryDirectory(prefix="autostack-bench-") as folder:
        if args.only == "sqlite":
            asyncio.run(run("sqlite", Path(folder), None, args.requests))
        else:
            asyncio.run(on_postgres(args.postgres, Path(folder), args.requests))


if __name__ == "__main__":
    main()
