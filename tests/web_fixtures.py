"""Fixtures for dashboard tests: a signed-in browser-like client and a deployed project.

``site`` is a project of the owner's personal team with two ready production
deployments (the second serving production), a running preview with build log
lines, and a branch alias. The ready ones have a stored output and the current
one runs on the fast tier's null runtime (tests/null_edge.py), so promoting,
deleting and what the edge was asked are the real thing, in memory.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentLog,
    Project,
    User,
)
from autostack_core.services import releases
from autostack_plugins.providers.null import NullEdge, NullRuntime
from tests.fixtures_auth import PASSWORD, client_for, personal_team
from tests.null_edge import edge_of, null_runtime, stored_output

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def log_in(http: httpx.AsyncClient, email: str = "owner@example.com") -> str:
    """Log in through the form; returns the session's CSRF token from the dashboard."""
    form = await http.get("/login")
    response = await http.post("/login", data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_of(form)})
    assert response.status_code == 303, response.text
    return csrf_of(await http.get("/dashboard"))


@dataclass
class Site:
    project: Project
    old: Deployment
    current: Deployment
    running: Deployment
    edge: NullEdge
    runtime: NullRuntime


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Site:
    """The project, its current production deployment running on the null runtime."""
    site = await make_site(autostack, owner)
    await releases.serve(autostack, site.project, site.current)
    return site


async def make_site(autostack: AutoStack, owner: User) -> Site:
    settings = autostack.settings
    team = await personal_team(owner)
    project = await Project.create(name="site", team=team, git_url="https://example.com/s.git",
                                   production_url="http://site.localhost:8080")
    start = datetime.now(UTC) - timedelta(hours=2)
    old = await Deployment.create(project=project, state="ready", target="production",
                                  branch="main", commit_sha="a" * 40, commit_message="first",
                                  build_time_seconds=3.2, deploy_time_seconds=0.4,
                                  ready_at=start, deployment_url="http://site-old.localhost",
                                  output_manifest_hash=stored_output(settings, "first"))
    current = await Deployment.create(project=project, state="ready", target="production",
                                      branch="main", commit_sha="b" * 40,
                                      commit_message="second", build_time_seconds=2.5,
                                      deploy_time_seconds=0.3, ready_at=datetime.now(UTC),
                                      deployment_url="http://site-cur.localhost",
                                      output_manifest_hash=stored_output(settings, "second"))
    running = await Deployment.create(project=project, state="building", branch="feature",
                                      commit_sha="c" * 40,
                                      deployment_url="http://site-run.localhost")
    await Deployment.filter(id=old.id).update(created_at=start)
    await Alias.create(hostname="site.localhost", project=project, deployment=current,
                       kind=AliasKind.PRODUCTION)
    await Alias.create(hostname="site-git-feature.localhost", project=project, deployment=old,
                       kind=AliasKind.BRANCH, branch="feature")
    moment = datetime.now(UTC) - timedelta(seconds=30)
    for offset, step, line in ((0, "clone", "Cloning"), (2, "build", "$ npm run build"),
                               (14, "build", "compiled <ok>")):
        row = await DeploymentLog.create(deployment=running, step=step, line=line)
        await DeploymentLog.filter(id=row.id).update(timestamp=moment + timedelta(seconds=offset))
    await old.refresh_from_db()
    return Site(project, old, current, running, edge_of(autostack), null_runtime(autostack))


@pytest.fixture
async def signed_in(
    autostack: AutoStack, owner: User
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client signed in as the owner through the forms, and its CSRF token."""
    async with client_for(autostack) as http:
        yield http, await log_in(http)
