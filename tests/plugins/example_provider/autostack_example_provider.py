"""An example provider: static sites in folders, served by a tiny HTTP edge.

What a provider plugin looks like from outside the AutoStack source tree, and
what ``tests/conformance/test_example_provider.py`` pip-installs and holds to
the provider conformance suite:

* :class:`FolderRuntime` (``folders``) accepts static outputs only. ``publish``
  writes the artifact into ``<data dir>/example-provider/<manifest hash>``;
  ``deploy`` hands back ``file://`` of its ``static/`` folder. Nothing runs,
  so there is nothing to scale and no logs but its own events.
* :class:`HttpEdge` (``example-http``) listens on ``AUTOSTACK_EXAMPLE_EDGE_PORT``
  (a free port when unset) and answers by the ``Host`` header: a redirect, or a
  file of one of the bound folders, picked at random by weight.

The runtime and the edge share nothing but the :class:`Endpoint` URL, as a
cloud runtime and a load balancer would.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import random
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from autostack_core import hookimpl
from autostack_core.interfaces.edge import (
    Certificate,
    CertificateStatus,
    Protection,
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


class FolderRuntime:
    name = "folders"
    accepts = frozenset({OutputKind.STATIC})
    config_fields: tuple[ConfigField, ...] = ()

    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases: dict[str, Path] = {}
        self.events: dict[str, list[LogLine]] = {}

    def check_config(self, config: Mapping[str, str]) -> None:
        """No fields: nothing a team gives is used."""

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Nothing to reach: no fields, no account."""
        return None

    async def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def stop(self) -> None:
        pass

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        if OutputKind.STATIC not in artifact.kinds or artifact.kinds - self.accepts:
            raise ValueError(f"{self.name} runs static outputs only")
        folder = self.root / artifact.manifest_hash
        if not folder.is_dir():
            partial = Path(tempfile.mkdtemp(dir=self.root))
            await artifact.write_to(partial)
            partial.rename(folder)
        return ArtifactReference(runtime=self.name, location=str(folder))

    async def deploy(self, release: Release) -> Endpoint:
        static = Path(release.artifact.location) / "static"
        if not static.is_dir():
            raise LookupError(f"{release.artifact.location} has no static/ folder")
        if release.id not in self.releases:
            self.releases[release.id] = static
            self._event(release.id, f"deployed from {static}")
        return Endpoint(release_id=release.id, url=static.as_uri())

    async def status(self, release_id: str) -> ReleaseStatus:
        return ReleaseStatus.READY if release_id in self.releases else ReleaseStatus.ABSENT

    async def destroy(self, release_id: str) -> None:
        static = self.releases.pop(release_id, None)
        self.events.pop(release_id, None)
        if static is not None and static not in self.releases.values():
            shutil.rmtree(static.parent, ignore_errors=True)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        self._event(release_id, "nothing to scale: files only")

    async def logs(self, release_id: str, since: datetime | None = None,
                   follow: bool = False) -> AsyncIterator[LogLine]:
        for line in list(self.events.get(release_id, [])):
            if since is None or line.timestamp >= since:
                yield line
        while follow:
            await asyncio.sleep(3600)

    def cost_estimate(self, release: Release) -> CostEstimate:
        return CostEstimate(currency="USD", hourly=0.0, monthly=0.0)

    def _event(self, release_id: str, text: str) -> None:
        self.events.setdefault(release_id, []).append(
            LogLine(datetime.now(UTC), self.name, text))


class HttpEdge:
    name = "example-http"

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.bindings: dict[str, list[WeightedEndpoint]] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        if not targets or any(not target.endpoint.url.startswith("file://")
                              or target.weight < 1 for target in targets):
            raise ValueError(f"cannot serve {hostname} from {list(targets)}")
        self.redirects.pop(hostname, None)
        self.bindings[hostname] = list(targets)

    async def unbind(self, hostname: str) -> None:
        self.bindings.pop(hostname, None)
        self.redirects.pop(hostname, None)

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        self.bindings.pop(hostname, None)
        self.redirects[hostname] = (target, status)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        """This edge cannot ask a control plane: it refuses to protect a hostname."""
        if protection is not None:
            raise NotImplementedError("the example edge cannot protect a deployment")

    async def certificate(self, hostname: str) -> Certificate:
        return Certificate(CertificateStatus.NONE)

    async def traffic(self, hostname: str, since: Any) -> dict[str, Any]:
        """This edge keeps no counts."""
        raise NotImplementedError("the example edge does not count requests")

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """This edge serves the current binding only: it refuses to pin requests."""
        if seconds:
            raise NotImplementedError("the example edge cannot pin requests to a deployment")

    def public_url(self, hostname: str) -> str:
        return f"http://{hostname}:{self.port}"

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.closing(writer):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            target = head[0].split(" ")[1]
            headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
            host = headers.get("Host", "").rsplit(":", 1)[0].lower()
            status, extra, body = self._respond(host, target)
            lines = [f"HTTP/1.1 {status} -", f"Content-Length: {len(body)}",
                     "Connection: close", *extra]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()

    def _respond(self, host: str, target: str) -> tuple[int, list[str], bytes]:
        if host in self.redirects:
            to, status = self.redirects[host]
            return status, [f"Location: http://{to}{target}"], b""
        path = unquote(urlsplit(target).path)
        targets = self.bindings.get(host)
        if not targets:
            return 404, [], b"no such site"
        chosen = random.choices(targets, weights=[target.weight for target in targets])[0]
        root = Path(urlsplit(chosen.endpoint.url).path)
        if not root.is_dir():
            return 502, [], b"the release is gone"
        for candidate in (root / path.lstrip("/"), root / path.lstrip("/") / "index.html"):
            if candidate.resolve().is_relative_to(root.resolve()) and candidate.is_file():
                kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                return 200, [f"Content-Type: {kind}"], candidate.read_bytes()
        page = root / "404.html"
        return 404, ["Content-Type: text/html"], page.read_bytes() if page.is_file() else b""


@hookimpl
def register_runtimes(settings: Any) -> list[FolderRuntime]:
    return [FolderRuntime(Path(settings.data_dir) / "example-provider")]


@hookimpl
def register_edges(settings: Any) -> list[HttpEdge]:
    return [HttpEdge(int(os.environ.get("AUTOSTACK_EXAMPLE_EDGE_PORT", "0")))]
