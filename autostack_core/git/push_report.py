"""What ``git push`` to the built-in remote prints: ``remote:`` lines about its deployments.

Like Heroku, the server writes to the side band of receive-pack's answer
(band 2, which git prints on the pusher's terminal as ``remote: ...``): each
deployment's id, its own URL, the production or preview URL it will get and
the dashboard page with its live log; then it follows the builds, a line per
state, until each is ready, failed or canceled, or ``FOLLOW_SECONDS`` pass,
or the server is asked to stop (uvicorn waits for open responses to end).
The push itself is already stored and the deployments queued by then:
interrupting git (Ctrl-C) only stops the report, never a deployment.

Band 2 exists only when the client asked for ``side-band-64k`` (every git
since 1.6 does); without it the answer is passed on unchanged.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sse_starlette.sse import AppStatus

from autostack_core.build.buildlog import deployment_channel
from autostack_core.infrastructure.models import Deployment, DeploymentState, Environment, Project
from autostack_core.services import deployments, hostnames

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

FOLLOW_SECONDS = 600.0
"""How long a push waits for its builds before it ends, leaving them running."""
FLUSH = b"0000"
FOLLOWED = ("state", "error_message", "deployment_url")
"""The deployment's fields a followed push's lines show."""
PROGRESS_BAND = b"\x02"


def progress_packet(line: str) -> bytes:
    """One pkt-line on the side band's progress channel: ``line`` as ``remote: line``."""
    data = PROGRESS_BAND + line.encode() + b"\n"
    return f"{len(data) + 4:04x}".encode() + data


def has_side_band(payload: bytes) -> bool:
    """Whether receive-pack's answer is multiplexed (its first packet names a band)."""
    return payload.endswith(FLUSH) and payload[4:5] in (b"\x01", b"\x02", b"\x03")


async def announcement(app: AutoStack, project: Project, deployment: Deployment) -> list[str]:
    """The lines shown when ``deployment`` of a push is queued."""
    base = app.settings.server_url.rstrip("/")
    if deployment.target == Environment.PRODUCTION:
        hostname = deployments.production_hostname(project.name, app.settings.base_domain)
        kind = "Production"
    else:
        hostname = await hostnames.branch_hostname(
            project, deployment.branch or "", app.settings.base_domain
        )
        kind = "Preview"
    return [
        f"AutoStack: deploying {deployment.branch} ({(deployment.commit_sha or '')[:7]}) "
        f"to {kind.lower()}",
        f"  Deployment: {deployment.id}",
        f"  URL:        {deployment.deployment_url}",
        f"  {kind + ':':<11} {deployments.url_for(app, hostname)}",
        f"  Live log:   {base}/deployments/{deployment.id}",
    ]


async def follow(app: AutoStack, deployment: Deployment, deadline: float) -> AsyncIterator[str]:
    """A line each time ``deployment`` changes state, until it is final or the monotonic
    clock passes ``deadline``."""
    seen = DeploymentState.QUEUED
    async for _ in app.events.changes(deployment_channel(deployment.id), poll_seconds=1.0):
        # Every flush of the build's log announces the channel too: read only what the
        # lines need, not the row's JSON (pipeline steps, detection) each time.
        await deployment.refresh_from_db(fields=FOLLOWED)
        state = DeploymentState(deployment.state)
        if state == seen:
            if AppStatus.should_exit:  # the server is stopping: let it, the build is queued
                yield (
                    f"AutoStack: the server is restarting; {deployment.id} is {state.value}: "
                    "follow its live log"
                )
                return
            if time.monotonic() > deadline:
                yield (
                    f"AutoStack: {deployment.id} is still {state.value}; it goes on "
                    "without this push: follow its live log"
                )
                return
            continue
        seen = state
        if state == DeploymentState.READY:
            yield f"AutoStack: {deployment.id} is ready: {deployment.deployment_url}"
        elif state == DeploymentState.ERROR:
            yield f"AutoStack: {deployment.id} failed: {deployment.error_message or 'error'}"
        else:
            yield f"AutoStack: {deployment.id} is {state.value}"
        if state.is_final:
            return


async def report(
    app: AutoStack, project: Project, created: list[Deployment], payload: bytes
) -> AsyncIterator[bytes]:
    """receive-pack's multiplexed answer ``payload`` with the deployments' lines added
    before its final flush packet."""
    yield payload[: -len(FLUSH)]
    for deployment in created:
        for line in await announcement(app, project, deployment):
            yield progress_packet(line)
    deadline = time.monotonic() + FOLLOW_SECONDS
    for deployment in created:
        async for line in follow(app, deployment, deadline):
            yield progress_packet(line)
    yield FLUSH
