"""The null runtime and edge: a provider pair that keeps everything in memory.

Nothing runs and nothing listens. :class:`NullRuntime` reads a published
artifact's files into memory and "deploys" a release by remembering it;
:class:`NullEdge` remembers bindings and redirects. Together they behave as a
provider pair should (the conformance suite in ``tests/conformance`` holds them
to it), so the fast test tier deploys on them without Caddy or bubblewrap, and
a plugin author has a small, complete example of both interfaces.

:meth:`NullEdge.fetch` plays a visitor: it picks one of a hostname's targets by
weight (smooth weighted round-robin, so 3:1 is exactly 3 of every 4 requests)
and asks the null runtime for the path, which answers as
``docs/build-output.md`` says a deployment does, without running any code:

1. a file of ``static/`` (``/`` and folders serve their ``index.html``);
2. a function ``functions/<path>.func``: ``200 null function <path>``;
3. a server app (``server.json``): ``200 null server <release id>``;
4. ``static/404.html`` with status 404, else ``404``.

``config.json`` routes are not applied. With :meth:`NullEdge.skew_protection`,
a path's ``?dpl=<id>`` pins the request to that deployment while the hostname
is, or within the window was, bound to it (a visitor here has no headers or
cookies, so the query parameter is the only pin it can send). A function or server request writes a
log line (``GET <path>``, from ``fn-<runtime>`` or ``server-0``), as an app
printing its requests would, so ``logs(follow=True)`` has something to follow.
A release whose policy allows zero replicas and that has a server or
functions falls asleep after ``idle_seconds`` without requests; the next
request or ``deploy`` wakes it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit
from weakref import WeakValueDictionary

import httpx

from autostack_core import hookimpl
from autostack_core.interfaces.edge import (
    PROTECTION_CHECK,
    PROTECTION_PREFIX,
    SKEW_QUERY,
    Certificate,
    CertificateStatus,
    Protection,
    TrafficCount,
    WeightedEndpoint,
)
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

if TYPE_CHECKING:
    from autostack_core.config import Settings

NAME = "null"
REDIRECT_STATUSES = (301, 302, 307, 308)
HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")
RUNTIME_ATTRIBUTE = "null_runtime"
"""The endpoint attribute naming the :class:`NullRuntime` that answers it."""

_runtimes: WeakValueDictionary[str, NullRuntime] = WeakValueDictionary()
_tokens = itertools.count(1)


@dataclass(frozen=True)
class NullResponse:
    """What :meth:`NullEdge.fetch` answers: a status, headers (lowercase names) and a body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


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
            for line in lines[position:]:
                if since is None or line.timestamp >= since:
                    yield line
            position = len(lines)
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
                return _file(200, candidate, files[candidate])
        function = _function_runtime(files, relative)
        if function is not None:
            await self._log(release_id, f"fn-{function}", f"GET {path}")
            return _text(200, f"null function {relative}")
        if "server.json" in files:
            await self._log(release_id, "server-0", f"GET {path}")
            return _text(200, f"null server {release_id}")
        if "static/404.html" in files:
            return _file(404, "static/404.html", files["static/404.html"])
        return _text(404, "not found")

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


class NullEdge:
    """An edge that keeps bindings and redirects in memory; :meth:`fetch` plays a visitor.

    ``calls`` records every ``bind``, ``unbind`` and ``redirect`` as
    ``(method, hostname)``, in order, for tests that check what the core asked.
    """

    name = NAME

    def __init__(self, port: int = 80) -> None:
        self.port = port
        """The port public URLs name (none for 80), as a real edge's would."""
        self.bindings: dict[str, tuple[WeightedEndpoint, ...]] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self.protections: dict[str, Protection] = {}
        """The protected hostnames; :meth:`fetch` asks their control plane, as an edge would."""
        self.calls: list[tuple[str, str]] = []
        self._turns: dict[str, list[int]] = {}
        self.skew: dict[str, int] = {}
        """Skew windows in seconds, by hostname (see :meth:`skew_protection`)."""
        self._unbound: dict[str, dict[str, tuple[Endpoint, float]]] = {}
        self._answered: list[tuple[datetime, str, str, int]] = []
        """(when, hostname, release id, status) of every answer :meth:`fetch` gave."""

    async def start(self) -> None:
        """Nothing listens."""

    async def stop(self) -> None:
        """Nothing to release."""

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Raises ValueError (changing nothing) for no targets, a weight below 1, or an
        endpoint no live :class:`NullRuntime` has deployed."""
        if not targets:
            raise ValueError(f"no targets to bind {hostname} to")
        for target in targets:
            if target.weight < 1:
                raise ValueError(f"weight {target.weight} of {target.endpoint.url}: must be > 0")
            if _runtime_of(target.endpoint) is None:
                raise ValueError(f"{target.endpoint.url} is not a release of a null runtime")
        hostname = _host(hostname)
        self.calls.append(("bind", hostname))
        self.redirects.pop(hostname, None)
        self._record_unbound(hostname, targets)
        self.bindings[hostname] = tuple(targets)
        self._turns[hostname] = [0] * len(targets)

    async def unbind(self, hostname: str) -> None:
        hostname = _host(hostname)
        self.calls.append(("unbind", hostname))
        self._record_unbound(hostname, ())
        self.bindings.pop(hostname, None)
        self.redirects.pop(hostname, None)
        self._turns.pop(hostname, None)

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        """Raises ValueError for a status that is no redirect or a target that is no hostname."""
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"{status} is not a redirect status")
        if not HOSTNAME.fullmatch(target):
            raise ValueError(f"redirect target {target!r} is not a hostname")
        hostname = _host(hostname)
        self.calls.append(("redirect", hostname))
        self.bindings.pop(hostname, None)
        self._turns.pop(hostname, None)
        self.redirects[hostname] = (_host(target), status)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        """Record (or forget) ``hostname``'s protection."""
        if protection is None:
            self.protections.pop(_host(hostname), None)
        else:
            self.protections[_host(hostname)] = protection

    async def certificate(self, hostname: str) -> Certificate:
        """ISSUED (by ``null``) for a hostname it serves, NONE for any other."""
        hostname = _host(hostname)
        if hostname in self.bindings or hostname in self.redirects:
            return Certificate(CertificateStatus.ISSUED, issuer=NAME)
        return Certificate(CertificateStatus.NONE)

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin ``?dpl=<id>`` requests for ``hostname`` within ``seconds`` (0: never).

        Raises ValueError for a negative window."""
        if seconds < 0:
            raise ValueError(f"a skew window cannot be negative ({seconds})")
        if seconds:
            self.skew[_host(hostname)] = seconds
        else:
            self.skew.pop(_host(hostname), None)

    def public_url(self, hostname: str) -> str:
        """``http://<hostname>``, with ``:<port>`` unless the port is 80."""
        return f"http://{_host(hostname)}" + ("" if self.port == 80 else f":{self.port}")

    def served_by(self, hostname: str) -> list[str]:
        """The release ids ``hostname`` is bound to (empty when it is not)."""
        return [target.endpoint.release_id
                for target in self.bindings.get(_host(hostname), ())]

    async def fetch(self, hostname: str, path: str = "/") -> NullResponse:
        """What a visitor gets for ``http://<hostname><path>``.

        A protected hostname's answers are the control plane's until its check
        answers 2xx, and are never to be cached (``Cache-Control: private, no-store``).
        """
        hostname = _host(hostname)
        if not path.startswith("/"):
            path = "/" + path
        protection = self.protections.get(hostname)
        if protection is None:
            return await self._serve(hostname, path)
        checked = await _ask(protection, hostname, path)
        response = checked if checked.status >= 300 or path.startswith(PROTECTION_PREFIX) \
            else await self._serve(hostname, path)
        return NullResponse(response.status,
                            {**response.headers, "cache-control": "private, no-store"},
                            response.body)

    async def _serve(self, hostname: str, path: str) -> NullResponse:
        if hostname in self.redirects:
            target, status = self.redirects[hostname]
            return NullResponse(status, {"location": f"http://{target}{path}"})
        pinned = self._pinned(hostname, path)
        if pinned is not None and (runtime := _runtime_of(pinned)) is not None:
            return await runtime.serve(pinned.release_id, path)
        targets = self.bindings.get(hostname)
        if not targets:
            return _text(404, f"no deployment at {hostname}")
        endpoint = targets[self._pick(hostname, targets)].endpoint
        runtime = _runtime_of(endpoint)
        if runtime is None:
            return _text(502, f"{endpoint.url} is gone")
        answer = await runtime.serve(endpoint.release_id, path)
        self._answered.append((datetime.now(UTC), hostname, endpoint.release_id, answer.status))
        return answer

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        """What :meth:`fetch` answered for ``hostname`` since ``since``, by release."""
        counts: dict[str, TrafficCount] = {}
        for when, host, release_id, status in self._answered:
            if host == _host(hostname) and when >= since:
                seen = counts.get(release_id, TrafficCount())
                counts[release_id] = TrafficCount(seen.requests + 1,
                                                  seen.errors + (status >= 500))
        return counts

    def _record_unbound(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Note when the hostname's current targets that are not in ``targets`` lose it."""
        staying = {target.endpoint.release_id for target in targets}
        unbound = self._unbound.setdefault(hostname, {})
        for target in self.bindings.get(hostname, ()):
            if target.endpoint.release_id not in staying:
                unbound[target.endpoint.release_id] = (target.endpoint, time.monotonic())
        for release_id in staying:
            unbound.pop(release_id, None)

    def _pinned(self, hostname: str, path: str) -> Endpoint | None:
        """The endpoint ``?dpl=<id>`` names, if ``hostname`` may be pinned to it now."""
        window = self.skew.get(hostname)
        pin = parse_qs(urlsplit(path).query).get(SKEW_QUERY, [""])[0]
        if not window or not pin:
            return None
        for target in self.bindings.get(hostname, ()):
            if target.endpoint.release_id == pin:
                return target.endpoint
        endpoint, since = self._unbound.get(hostname, {}).get(pin, (None, 0.0))
        return endpoint if time.monotonic() - since < window else None

    def _pick(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> int:
        """Smooth weighted round-robin (as nginx does): exact ratios, targets interleaved."""
        turns = self._turns.setdefault(hostname, [0] * len(targets))
        for index, target in enumerate(targets):
            turns[index] += target.weight
        chosen = max(range(len(targets)), key=lambda index: turns[index])
        turns[chosen] -= sum(target.weight for target in targets)
        return chosen


async def _ask(protection: Protection, hostname: str, path: str) -> NullResponse:
    """The control plane's answer for ``path``: its page under the prefix, else its check."""
    target = path if path.startswith(PROTECTION_PREFIX) else PROTECTION_CHECK
    headers = {"Host": hostname, "X-Forwarded-Method": "GET", "X-Forwarded-Uri": path}
    async with httpx.AsyncClient(base_url=protection.control_plane, timeout=10) as client:
        answer = await client.get(target, headers=headers)
    return NullResponse(answer.status_code, {key.lower(): value
                                             for key, value in answer.headers.items()},
                        answer.content)


def _runtime_of(endpoint: Endpoint) -> NullRuntime | None:
    token = endpoint.attributes.get(RUNTIME_ATTRIBUTE)
    return _runtimes.get(token) if isinstance(token, str) else None


def _host(hostname: str) -> str:
    """``Example.COM.:8080`` -> ``example.com``: a binding is per hostname, whatever the port."""
    name, colon, port = hostname.lower().rpartition(":")
    if not (colon and port.isdigit()):
        name = hostname.lower()
    return name.rstrip(".")


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


def _file(status: int, name: str, body: bytes) -> NullResponse:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return NullResponse(status, {"content-type": content_type}, body)


def _text(status: int, text: str) -> NullResponse:
    return NullResponse(status, {"content-type": "text/plain; charset=utf-8"}, text.encode())


@hookimpl
def register_runtimes(settings: Settings) -> list[NullRuntime]:
    return [NullRuntime(idle_seconds=settings.preview_idle_seconds)]


@hookimpl
def register_edges(settings: Settings) -> list[NullEdge]:
    return [NullEdge(port=settings.edge_port)]
