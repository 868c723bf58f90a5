"""Fixtures for dashboard tests: a signed-in browser-like client and a deployed project.

``site`` is a project of the owner's personal team with two ready production
deployments (the second serving production), a running preview with build log
lines, and a branch alias. The local provider is swapped for a recorder so
promoting and deleting need no edge.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.interfaces.edge import Edge, WeightedEndpoint
from autostack_core.interfaces.runtime import Artifact, ArtifactReference, Endpoint, Release
from autostack_core.models import Alias, AliasKind, Deployment, DeploymentLog, Project, User
from tests.fixtures_auth import PASSWORD, client_for, personal_team

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
class RecordingProvider:
    """Stands in for the local runtime and edge: remembers what it was asked to do."""

    real_edge: Edge
    name: str = "local"
    calls: list[tuple[str, Any]] = field(default_factory=list)

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        return ArtifactReference(self.name, artifact.release_id)

    async def deploy(self, release: Release) -> Endpoint:
        return Endpoint(release.id, f"recorded://{release.id}")

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        self.calls.append(("route", hostname))

    async def unbind(self, hostname: str) -> None:
        self.calls.append(("unroute", hostname))

    async def destroy(self, deployment_id: str) -> None:
        self.calls.append(("destroy", deployment_id))

    def public_url(self, hostname: str) -> str:
        return self.real_edge.public_url(hostname)


@dataclass
class Site:
    project: Project
    old: Deployment
    current: Deployment
    running: Deployment
    provider: RecordingProvider


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> AsyncIterator[Site]:
    """The project; the real runtime and edge come back afterwards, so they shut down."""
    runtime, edge = autostack.runtimes["local"], autostack.edge
    provider = RecordingProvider(edge)
    autostack.runtimes["local"] = provider  # type: ignore[assignment]
    autostack.edge = provider  # type: ignore[assignment]
    try:
        yield await make_site(owner, provider)
    finally:
        autostack.runtimes["local"], autostack.edge = runtime, edge


async def make_site(owner: User, provider: RecordingProvider) -> Site:
    team = await personal_team(owner)
    project = await Project.create(name="site", team=team, git_url="https://example.com/s.git",
                                   production_url="http://site.localhost:8080")
    start = datetime.now(UTC) - timedelta(hours=2)
    old = await Deployment.create(project=project, state="ready", is_production=True,
                                  branch="main", commit_sha="a" * 40, commit_message="first",
                                  build_time_seconds=3.2, deploy_time_seconds=0.4,
                                  ready_at=start, deployment_url="http://site-old.localhost")
    current = await Deployment.create(project=project, state="ready", is_production=True,
                                      branch="main", commit_sha="b" * 40,
                                      commit_message="second", build_time_seconds=2.5,
                                      deploy_time_seconds=0.3, ready_at=datetime.now(UTC),
                                      deployment_url="http://site-cur.localhost")
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
    return Site(project, old, current, running, provider)


@pytest.fixture
async def signed_in(
    autostack: AutoStack, owner: User
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client signed in as the owner through the forms, and its CSRF token."""
    async with client_for(autostack) as http:
        yield http, await log_in(http)
