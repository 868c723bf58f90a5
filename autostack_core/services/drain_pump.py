"""Feeding the log drains: build, runtime and edge logs to each project's drains.

One pump runs in the ``autostack up`` process (the drains plugin starts it), and reads:

- build logs from the database (``deployment_logs`` rows after the last one it read),
  so builds in any worker process are drained;
- runtime logs by following every ready deployment of a project that drains them,
  through the runtime's ``logs(follow=True)`` (any runtime);
- edge requests from the local edge's JSON access log (``<data>/logs/edge-access.log``)
  from where it was when the pump started, following rotation. Other edges write no
  such file: their requests are not drained.

Every :data:`REFRESH_SECONDS` the pump reloads the enabled drains, so a drain added,
changed or removed through the API takes effect within that time. Lines written while
no pump runs are not sent later (a drain is a live feed, as on Vercel).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import (
    Alias,
    Deployment,
    DeploymentLog,
    DeploymentState,
    LogDrain,
    Project,
)
from autostack_core.security.outbound import Outbound
from autostack_core.services import releases
from autostack_core.services.drain_delivery import DrainRecord, DrainSender, ssl_context
from autostack_core.services.log_drains import CA_FILE, headers_of, setting
from autostack_core.services.log_search import level_of

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.drains")

REFRESH_SECONDS = 3.0
POLL_SECONDS = 0.5
BUILD_ROWS = 2000
EDGE_BYTES = 4 * 1024 * 1024


class DrainPump:
    """The drains' senders and the three readers that feed them."""

    def __init__(self, app: AutoStack) -> None:
        self.app = app
        self.senders: dict[int, DrainSender] = {}
        self.projects: dict[int, str] = {}
        """Names of the projects that have drains."""
        self.followed: dict[str, asyncio.Task[None]] = {}
        self.hosts: dict[str, tuple[int, str] | None] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._build_cursor = 0
        self._edge_path = app.settings.data_dir / "logs" / "edge-access.log"
        self._edge_offset = 0
        self._edge_inode = 0
        self.started_at = datetime.now(UTC)

    async def start(self) -> None:
        self.started_at = datetime.now(UTC)
        last = await DeploymentLog.all().order_by("-id").first()
        self._build_cursor = last.id if last else 0
        with contextlib.suppress(OSError):
            stat = self._edge_path.stat()
            self._edge_offset, self._edge_inode = stat.st_size, stat.st_ino
        await self.refresh()
        for loop in (self._refreshing, self._reading_builds, self._reading_edge):
            self._tasks.append(asyncio.create_task(loop()))

    async def stop(self) -> None:
        tasks = [*self._tasks, *self.followed.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sender in self.senders.values():
            await sender.stop()

    # -- which drains ------------------------------------------------------

    def wanted(self, project_id: int, source: str) -> list[DrainSender]:
        return [
            sender
            for sender in self.senders.values()
            if sender.project_id == project_id and source in sender.sources
        ]

    def submit(self, project_id: int, source: str, records: Iterable[DrainRecord]) -> None:
        senders = self.wanted(project_id, source)
        for record in records:
            for sender in senders:
                sender.put(record)

    async def refresh(self) -> None:
        """Start senders for new or changed drains, stop those removed or disabled, and
        follow the runtime logs of the ready deployments that are drained."""
        drains = await LogDrain.filter(enabled=True).select_related("project")
        outbound = Outbound.from_settings(self.app.settings)
        # Made only for a sender started now: loading the system's CAs takes 20-60 ms of
        # the event loop, and this runs every few seconds with no drain at all.
        tls: ssl.SSLContext | None = None
        current: dict[int, DrainSender] = {}
        for drain in drains:
            sender = self.senders.pop(drain.id, None)
            version = (drain.url, drain.kind, tuple(drain.sources), drain.headers_sealed)
            if sender is None or sender.version != version:
                if sender is not None:
                    await sender.stop()
                tls = tls or ssl_context(setting(self.app.settings, CA_FILE))
                sender = DrainSender(drain, headers_of(drain), outbound, tls)
                sender.start()
            current[drain.id] = sender
        for gone in self.senders.values():
            await gone.stop()
        self.senders = current
        self.hosts.clear()
        self.projects = {
            drain.project_id: drain.project.name  # type: ignore[attr-defined]
            for drain in drains
        }
        await self._follow_runtimes()

    async def _refreshing(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh()
            except Exception:
                logger.exception("log drains: reloading the drains failed")

    # -- runtime logs ------------------------------------------------------

    async def _follow_runtimes(self) -> None:
        drained = [project_id for project_id in self.projects if self.wanted(project_id, "runtime")]
        ready = (
            await Deployment.filter(
                project_id__in=drained, state=DeploymentState.READY, deleted_at__isnull=True
            )
            if drained
            else []
        )
        keep = {deployment.id for deployment in ready}
        for deployment_id in list(self.followed):
            if deployment_id not in keep or self.followed[deployment_id].done():
                self.followed.pop(deployment_id).cancel()
        for deployment in ready:
            if deployment.id not in self.followed:
                # From when it started deploying (a deployment that became ready since the
                # last refresh loses no line), but nothing from before the pump started.
                started = deployment.deploying_at or deployment.created_at
                since = max(started, self.started_at)
                self.followed[deployment.id] = asyncio.create_task(
                    self._follow(deployment, since=since)
                )

    async def _follow(self, deployment: Deployment, since: datetime) -> None:
        """Send the deployment's runtime lines from ``since``, until it is no longer ready
        or drained."""
        project = await Project.get(id=deployment.project_id)  # type: ignore[attr-defined]
        if project.provider not in self.app.runtimes:
            return
        lines = releases.logs(self.app, project, deployment, since=since, follow=True)
        async for line in lines:
            self.submit(
                project.id,
                "runtime",
                [
                    DrainRecord(
                        timestamp=line.timestamp,
                        source="runtime",
                        project=project.name,
                        deployment=deployment.id,
                        message=line.text,
                        level=level_of(line),
                        attributes={"replica": line.source, "stream": line.stream},
                    )
                ],
            )

    # -- build logs --------------------------------------------------------

    async def _reading_builds(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                while await self.read_builds() == BUILD_ROWS:
                    pass
            except Exception:
                logger.exception("log drains: reading build logs failed")

    def _drained(self, source: str) -> bool:
        return any(source in sender.sources for sender in self.senders.values())

    async def read_builds(self) -> int:
        if not self._drained("build"):
            # Nothing to send them to: skip to the newest row instead of reading every new
            # line of every build (a drain added later starts from where it is added).
            last = await DeploymentLog.all().order_by("-id").only("id").first()
            self._build_cursor = max(self._build_cursor, last.id if last else 0)
            return 0
        rows = (
            await DeploymentLog.filter(id__gt=self._build_cursor)
            .order_by("id")
            .limit(BUILD_ROWS)
            .values(
                "id",
                "deployment_id",
                "timestamp",
                "step",
                "stream",
                "line",
                "deployment__project_id",
            )
        )
        if not rows:
            return 0
        self._build_cursor = rows[-1]["id"]
        for row in rows:
            project_id = row["deployment__project_id"]
            if project_id in self.projects:
                self.submit(
                    project_id,
                    "build",
                    [
                        DrainRecord(
                            timestamp=row["timestamp"],
                            source="build",
                            project=self.projects[project_id],
                            deployment=row["deployment_id"],
                            message=row["line"],
                            level="error" if row["stream"] == "stderr" else "info",
                            attributes={"step": row["step"], "stream": row["stream"]},
                        )
                    ],
                )
        return len(rows)

    # -- edge requests -----------------------------------------------------

    async def _reading_edge(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.read_edge()
            except Exception:
                logger.exception("log drains: reading the edge access log failed")

    async def read_edge(self) -> None:
        try:
            stat = self._edge_path.stat()
        except OSError:
            return
        if stat.st_ino != self._edge_inode or stat.st_size < self._edge_offset:
            self._edge_offset, self._edge_inode = 0, stat.st_ino  # rotated: a new file
        if stat.st_size == self._edge_offset:
            return
        if not self._drained("edge"):
            self._edge_offset = stat.st_size  # nothing to send the requests to: skip them
            return
        lines, self._edge_offset = await asyncio.to_thread(
            _read_lines, self._edge_path, self._edge_offset
        )
        for line in lines:
            await self._edge_line(line)

    async def _edge_line(self, line: bytes) -> None:
        try:
            entry: dict[str, Any] = json.loads(line)
            request = entry["request"]
            host = str(request.get("host", "")).rsplit(":", 1)[0].lower()
            status = int(entry.get("status", 0))
            timestamp = datetime.fromtimestamp(float(entry["ts"]), UTC)
        except (ValueError, TypeError, KeyError, AttributeError):
            return
        target = await self._host(host)
        if target is None or target[0] not in self.projects:
            return
        project_id, deployment_id = target
        uri = str(request.get("uri", "/"))
        method = str(request.get("method", ""))
        self.submit(
            project_id,
            "edge",
            [
                DrainRecord(
                    timestamp=timestamp,
                    source="edge",
                    project=self.projects[project_id],
                    deployment=str(entry.get("deployment") or deployment_id),
                    message=f"{method} {uri} {status}",
                    level="error" if status >= 500 else "warning" if status >= 400 else "info",
                    attributes={
                        "host": host,
                        "method": method,
                        "path": uri,
                        "status": status,
                        "duration_ms": round(float(entry.get("duration", 0)) * 1000, 3),
                        "bytes": int(entry.get("size", 0)),
                        "client_ip": str(
                            request.get("client_ip") or request.get("remote_ip") or ""
                        ),
                    },
                )
            ],
        )

    async def _host(self, host: str) -> tuple[int, str] | None:
        """The project and deployment a hostname's alias points at (looked up once a
        refresh: an alias moved since then is seen at the next refresh)."""
        if host not in self.hosts:
            alias = await Alias.get_or_none(hostname=host)
            self.hosts[host] = None if alias is None else (alias.project_id, alias.deployment_id)  # type: ignore[attr-defined]
        return self.hosts[host]


def _read_lines(path: Path, offset: int) -> tuple[list[bytes], int]:
    with path.open("rb") as log:
        log.seek(offset)
        chunk = log.read(EDGE_BYTES)
    end = chunk.rfind(b"\n") + 1
    return chunk[:end].splitlines(), offset + end
