"""What a push to the built-in remote prints: side-band packets and the build's end."""

from __future__ import annotations

import time

import httpx
import pytest
from sse_starlette.sse import AppStatus

from autostack_core.app import AutoStack
from autostack_core.git import push_report
from autostack_core.infrastructure.models import (
    CreatorType,
    Deployment,
    DeploymentState,
    Environment,
    Project,
)
from autostack_core.services import deployments
from tests.fixtures_auth import api, owner

__all__ = ["api", "owner"]


async def pushed(api: httpx.AsyncClient) -> tuple[Project, Deployment]:
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    project = await Project.get(name="site")
    deployment = await Deployment.create(
        project=project,
        source_type="push",
        branch="main",
        commit_sha="a" * 40,
        target=Environment.PRODUCTION,
        creator_type=CreatorType.GIT_PUSH,
        deployment_url="http://site-x.localhost",
    )
    return project, deployment


async def lines(autostack: AutoStack, deployment: Deployment, deadline: float) -> list[str]:
    return [line async for line in push_report.follow(autostack, deployment, deadline)]


def test_a_line_is_a_progress_packet_git_prints_as_remote() -> None:
    assert push_report.progress_packet("hi") == b"0008\x02hi\n"
    assert push_report.has_side_band(b"0013\x01000eunpack ok\n0000")
    assert not push_report.has_side_band(b"000eunpack ok\n0000")


async def test_a_failed_build_is_reported_with_its_error(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    _, deployment = await pushed(api)
    assert await deployments.transition(autostack, deployment, DeploymentState.BUILDING)
    assert await deployments.transition(
        autostack, deployment, DeploymentState.ERROR, "npm run build exited with 1"
    )
    followed = await lines(autostack, deployment, time.monotonic() + 60)
    assert followed == [f"AutoStack: {deployment.id} failed: npm run build exited with 1"]


async def test_the_push_stops_waiting_at_the_deadline_and_the_build_goes_on(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    _, deployment = await pushed(api)
    followed = await lines(autostack, deployment, time.monotonic() - 1)
    assert len(followed) == 1 and f"{deployment.id} is still queued" in followed[0]
    await deployment.refresh_from_db()
    assert deployment.state == DeploymentState.QUEUED


async def test_the_report_keeps_git_s_answer_and_ends_it(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    project, deployment = await pushed(api)
    assert await deployments.transition(autostack, deployment, DeploymentState.BUILDING)
    assert await deployments.transition(autostack, deployment, DeploymentState.DEPLOYING)
    assert await deployments.transition(autostack, deployment, DeploymentState.READY)
    answer = b"0013\x01000eunpack ok\n0000"
    sent = b"".join(
        [part async for part in push_report.report(autostack, project, [deployment], answer)]
    )
    assert sent.startswith(answer[:-4]) and sent.endswith(b"0000")
    assert push_report.progress_packet(f"  Deployment: {deployment.id}") in sent
    assert b"is ready: http://site-x.localhost" in sent


async def test_a_stopping_server_ends_the_report(
    autostack: AutoStack, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, deployment = await pushed(api)
    monkeypatch.setattr(AppStatus, "should_exit", True)
    followed = await lines(autostack, deployment, time.monotonic() + 60)
    assert len(followed) == 1 and "the server is restarting" in followed[0]
