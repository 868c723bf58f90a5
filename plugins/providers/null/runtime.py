"""The null runtime: artifacts and releases kept in memory, nothing run.

A release answers :meth:`NullRuntime.serve` as ``docs/build-output.md`` says a
deployment does (see :mod:`autostack_plugins.providers.null`), writes a log
line for each function or server request, and falls asleep when its policy
allows zero replicas and it has been idle for ``idle_seconds``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from weakref import WeakValueDictionary

from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
    ConfigField,
    CostEstimate,
    Endpoint,
    LogLine,
    OutputKind,
    Release,
    ReleaseStatus,
    ScalePolicy,
)

from .responses import NullResponse, file_response, text_response

NAME = "null"
RUNTIME_ATTRIBUTE = "null_runtime"
"""The endpoint attribute naming the :class:`NullRuntime` that answers it."""

_runtimes: WeakValueDictionary[str, NullRuntime] = WeakValueDictionary()
_tokens = itertools.count(1)


@dataclass
class _Published:
    kinds: frozenset[OutputKind]
    files: dict[str, bytes]


@dataclass
class _Running:
    release: Release
    published: _Published
    policy: ScalePolicy
    asleep: bool = False
    last_active: float = field(default_factory=time.monotonic)

    @property
    def dynamic(self) -> bool:
        return bool(self.published.kinds & {OutputKind.SERVER, OutputKind.FUNCTIONS})


class NullRuntime:
    """A runtime that keeps artifacts and releases in memory and runs nothing."""

    name = NAME
    accepts = frozenset(OutputKind)
    config_fields: tuple[ConfigField, ...] = ()

    def __init__(self, idle_seconds: float = 900.0, name: str | None = None) -> None:
        if name is not None:  # a test may register it under another runtime's name
            self.name = name
        self.idle_seconds = idle_seconds
        self.token = f"{NAME}-{next(_tokens)}"
        self.published: dict[str, _Published] = {}
        """Published artifacts by location: one copy per manifest, however often published."""
        self.releases: dict[str, _Running] = {}
        self._logs: dict[str, list[LogLine]] = {}
        self._wrote = asyncio.Condition()
        _runtimes[self.token] = self

    def check_config(self, config: Mapping[str, str]) -> None:
        """No fields: nothing a team gives is used."""

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Nothing to reach: no fields, no account."""
        return None

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing to release: what was deployed stays known, as a real runtime's would."""

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """Read the artifact's files into memory (once per manifest hash)."""
        location = f"{NAME}:{artifact.manifest_hash}"
        if location not in self.published:
            with tempfile.TemporaryDirectory(prefix="autostack-null-") as folder:
                output = Path(folder, "output")  # write_to may replace the folder it gets
                await artifact.write_to(output)
                files = _read_files(output)
            self.published[location] = _Published(frozenset(artifact.kinds), files)
        return ArtifactReference(runtime=self.name, location=location)

    async def deploy(self, release: Release) -> Endpoint:
        """Remember ``release`` (or wake it) and return ``null:<id>``.

        Raises LookupError for an artifact this runtime never published and
        ValueError for a ``server.json`` without a command.
        """
        running = self.releases.get(release.id)
        if running is None:
            published = self.published.get(release.artifact.location)
            if published is None:
                raise LookupError(f"artifact {release.artifact.location} was not published "
                                  "to the null runtime")
            server = published.files.get("server.json")
            if server is not None and not json.loads(server).get("command"):
                raise ValueError("server.json has no command: set the start command")
            running = _Running(release, published, release.policy)
            self.releases[release.id] = running
            await self._log(release.id, NAME, f"deployed release {release.id}")
        elif running.asleep:
            await self._wake(running)
        running.last_active = time.monotonic()
        return self.endpoint(release.id)

    def endpoint(self, release_id: str) -> Endpoint:
        return Endpoint(release_id=release_id, url=f"{NAME}:{release_id}",
                        attributes={RUNTIME_ATTRIBUTE: self.token})

    async def status(self, release_id: str) -> ReleaseStatus:
        running = self.releases.get(release_id)
        if running is None:
            return ReleaseStatus.ABSENT
        idle = time.monotonic() - running.last_active
        if (not running.asleep and running.dynamic and running.policy.scale_to_zero
                and idle >= self.idle_seconds):
            running.asleep = True
            await self._log(release_id, NAME, f"idle for {idle:.1f} s: scaled to zero")
        return ReleaseStatus.ASLEEP if running.asleep else ReleaseStatus.READY

    async def destroy(self, release_id: str) -> None:
        """Forget the release, its logs, and its artifact once no release uses it."""
        running = self.releases.pop(release_id, None)
        self._logs.pop(release_id, None)
        if running is None:
            return
        location = running.release.artifact.location
        if all(other.release.artifact.location != location for other in self.releases.values()):
            self.published.pop(location, None)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        running = self.releases.get(release_id)
        if running is None:
            raise LookupError(f"release {release_id} is not deployed on the null runtime")
        running.policy = policy
        running.last_active = time.monotonic()
        await self._log(release_id, NAME,
                        f"scaled to {policy.min_replicas}..{policy.max_replicas} replicas")

    async def logs(self, release_id: str, since: datetime | None = None,
                   follow: bool = False) -> AsyncIterator[LogLine]:
        """Lines written so far (from ``since``), then, with ``follow``, every new one."""
        position = 0
        while True:
            lines = self._logs.get(release_id, [])
            # One line at a time: a line written while the reader handles one (it may
            # await between lines) is yielded too, not skipped by a jump to the end.
            while position < len(lines):
                line = lines[position]
                position += 1
                if since is None or line.timestamp >= since:
                    yield line
            if not follow:
                return
            await self._written(release_id, position)

    async def _written(self, release_id: str, count: int) -> None:
        """Return once ``release_id`` has more than ``count`` lines."""
        async with self._wrote:
            await self._wrote.wait_for(lambda: len(self._logs.get(release_id, [])) > count)

    def cost_estimate(self, release: Release) -> CostEstimate:
        return CostEstimate(currency="USD", hourly=0.0, monthly=0.0)

    async def serve(self, release_id: str, path: str) -> NullResponse:
        """Answer ``path`` for a deployed release (what a visitor gets through an edge)."""
        running = self.releases.get(release_id)
        if running is None:
            return NullResponse(502, {"content-type": "text/plain"},
                                f"release {release_id} is not deployed".encode())
        if running.asleep:
            await self._wake(running)
        running.last_active = time.monotonic()
        files = running.published.files
        relative = path.split("?", 1)[0].strip("/")
        folder = f"static/{relative}/" if relative else "static/"
        for candidate in (f"static/{relative}", f"{folder}index.html"):
            if candidate in files:
                return file_response(200, candidate, files[candidate])
        function = _function_runtime(files, relative)
        if function is not None:
            await self._log(release_id, f"fn-{function}", f"GET {path}")
            return text_response(200, f"null function {relative}")
        if "server.json" in files:
            await self._log(release_id, "server-0", f"GET {path}")
            return text_response(200, f"null server {release_id}")
        if "static/404.html" in files:
            return file_response(404, "static/404.html", files["static/404.html"])
        return text_response(404, "not found")

    async def _wake(self, running: _Running) -> None:
        running.asleep = False
        await self._log(running.release.id, NAME, "woken")

    async def _log(self, release_id: str, source: str, text: str) -> None:
        """Append a line: the runtime's own events (source ``null``) are the ``system`` stream."""
        stream = "system" if source == NAME else "stdout"
        line = LogLine(timestamp=datetime.now(UTC), source=source, text=text, stream=stream)
        async with self._wrote:
            self._logs.setdefault(release_id, []).append(line)
            self._wrote.notify_all()


def runtime_of(endpoint: Endpoint) -> NullRuntime | None:
    """The live :class:`NullRuntime` that deployed ``endpoint``, if any."""
    token = endpoint.attributes.get(RUNTIME_ATTRIBUTE)
    return _runtimes.get(token) if isinstance(token, str) else None


def _read_files(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` by POSIX path; links are not followed."""
    files: dict[str, bytes] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _function_runtime(files: Mapping[str, bytes], relative: str) -> str | None:
    config = files.get(f"functions/{relative}.func/.vc-config.json")
    if config is None:
        return None
    runtime = str(json.loads(config).get("runtime", ""))
    return "python" if runtime.startswith("python") else "node"
