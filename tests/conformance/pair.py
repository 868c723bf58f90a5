"""What the conformance suite needs from a provider: a runtime, an edge, a way in.

A provider author builds a :class:`Pair` in a ``pair`` fixture (see
``tests/conformance/__init__.py``). :class:`Stage` is what each case works
with: it publishes and deploys hand-made build outputs (``docs/build-output.md``),
binds hostnames, sends requests through the edge, and destroys and unbinds
everything it made when the case ends.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from autostack_core.interfaces.edge import Edge, WeightedEndpoint
from autostack_core.interfaces.runtime import (
    Artifact,
    Endpoint,
    OutputKind,
    Release,
    Runtime,
    ScalePolicy,
)
from autostack_core.utils import random_id


@dataclass(frozen=True)
class Answer:
    """A response as a visitor got it through the edge (header names lowercase)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


Request = Callable[[str, str], Awaitable[Answer]]
"""``request(hostname, path)``: GET ``path`` of ``hostname`` through the edge as a new
visitor (no cookies kept), following no redirect."""


@dataclass
class Pair:
    """A started runtime and edge, and how the suite reaches the edge."""

    runtime: Runtime
    edge: Edge
    request: Request
    hostname: Callable[[str], str] = lambda label: f"{label}.example.test"
    """A hostname the edge can serve, made from a unique label."""
    runs_code: bool = False
    """The runtime runs the apps themselves: their answers and output are checked too."""
    idle_seconds: float | None = None
    """How long a release allowed zero replicas idles before it sleeps; None: no scale to zero."""
    timeout: float = 30.0
    """How long the suite waits for something to happen (a log line, sleep)."""
    image: Callable[[str], Awaitable[Files]] | None = None
    """For runtimes that run images: ``image(marker)`` builds :data:`IMAGE_APP` (an image
    answering like :func:`server_output`'s app) and returns its build output (``image.json``)."""
    control_plane: str | None = None
    """Where the edge asks about protected hostnames (``http://host:port``); the suite
    runs a stand-in control plane there. None: the protection case is skipped."""


Files = Mapping[str, bytes]
T = TypeVar("T")

SERVER_APP = b'''\
import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MARKER = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        print(f"GET {self.path}", flush=True)
        body = f"server {MARKER} {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print(f"conformance server {MARKER} started", flush=True)
server.serve_forever()
'''

IMAGE_APP = SERVER_APP.replace(b'HTTPServer(("127.0.0.1"', b'HTTPServer(("0.0.0.0"')
"""The server app as a container runs it: listening on every interface of the container."""

FUNCTION = b'''\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("function " + MARKER).encode()]
'''


def static_output(marker: str) -> Files:
    """A static site: ``/`` and ``/about/`` say ``marker``; a 404 page."""
    return {
        "config.json": b'{"version": 3}',
        "static/index.html": f"<h1>home {marker}</h1>".encode(),
        "static/about/index.html": f"<h1>about {marker}</h1>".encode(),
        "static/404.html": f"<h1>missing {marker}</h1>".encode(),
    }


def server_output(marker: str) -> Files:
    """A Python server app answering ``server <marker> <path>`` and printing each request."""
    return {
        "config.json": b'{"version": 3}',
        "static/hello.txt": f"file {marker}".encode(),
        "server.json": json.dumps({"runtime": "python", "health_path": "/",
                                   "command": f"python3 server.py {marker}"}).encode(),
        "server/server.py": SERVER_APP,
    }


def functions_output(marker: str) -> Files:
    """One Python function at ``/api/hello`` answering ``function <marker>``."""
    folder = "functions/api/hello.func"
    return {
        "config.json": b'{"version": 3}',
        f"{folder}/.vc-config.json": json.dumps(
            {"runtime": "python3.12", "handler": "index.py"}).encode(),
        f"{folder}/index.py": f"MARKER = {marker!r}\n".encode() + FUNCTION,
    }


def artifact(release_id: str, files: Files, kinds: frozenset[OutputKind]) -> Artifact:
    """An artifact whose ``write_to`` writes ``files`` (its hash is the files' own)."""

    async def write_to(folder: Path) -> None:
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(hashlib.sha256(name.encode()).digest() + hashlib.sha256(content).digest())
    return Artifact(release_id=release_id, project="conformance", manifest_hash=digest.hexdigest(),
                    kinds=kinds, write_to=write_to)


@dataclass
class Stage:
    """One case's releases and hostnames on the pair, destroyed and unbound by :meth:`clean`."""

    pair: Pair
    releases: list[str] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)

    async def deploy(self, files: Files, kinds: frozenset[OutputKind],
                     policy: ScalePolicy | None = None,
                     release_id: str | None = None) -> tuple[Release, Endpoint]:
        """Publish ``files`` and deploy them as a new release (or ``release_id`` again)."""
        release_id = release_id or f"c{random_id(9)}"
        reference = await self.pair.runtime.publish(artifact(release_id, files, kinds))
        release = Release(id=release_id, project="conformance", artifact=reference,
                          env={"CONFORMANCE": "1"}, policy=policy or ScalePolicy())
        if release_id not in self.releases:
            self.releases.append(release_id)
        return release, await self.pair.runtime.deploy(release)

    async def bind(self, *targets: Endpoint | tuple[Endpoint, int],
                   hostname: str | None = None) -> str:
        """Bind a new hostname (or ``hostname``) to endpoints, or (endpoint, weight) pairs."""
        hostname = hostname or self.pair.hostname(f"c{random_id(9)}")
        weighted = [WeightedEndpoint(*target) if isinstance(target, tuple)
                    else WeightedEndpoint(target) for target in targets]
        await self.pair.edge.bind(hostname, weighted)
        if hostname not in self.hostnames:
            self.hostnames.append(hostname)
        return hostname

    async def get(self, hostname: str, path: str = "/") -> Answer:
        return await self.pair.request(hostname, path)

    async def eventually(self, probe: Callable[[], Awaitable[T]], what: str,
                         timeout: float | None = None) -> T:
        """Call ``probe`` until it returns something true; fail after the pair's timeout."""
        deadline = time.monotonic() + (timeout or self.pair.timeout)
        while True:
            result = await probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout or self.pair.timeout} s")
            await asyncio.sleep(0.05)

    async def clean(self) -> None:
        for hostname in self.hostnames:
            await self.pair.edge.unbind(hostname)
        for release_id in self.releases:
            await self.pair.runtime.destroy(release_id)
