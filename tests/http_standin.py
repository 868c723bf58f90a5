"""A local HTTP server on 127.0.0.1 that stands in for a remote service in tests.

It records every request and answers with what the test's ``responder`` returns,
so notifier tests talk real HTTP without leaving the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from autostack_core.security.outbound import Outbound
from tests.conftest import LOOPBACK

TO_STANDINS = Outbound(LOOPBACK)
"""The outbound policy of clients under test: the stand-ins on the loopback are allowed."""


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Recorded], tuple[int, Any]]


@dataclass
class StandIn:
    url: str
    requests: list[Recorded]


@contextmanager
def standin(responder: Responder, host: str = "127.0.0.1") -> Iterator[StandIn]:
    """Serve ``responder`` on a free port of ``host`` (a loopback address) until the block ends.

    A ``(status, {"location": url})`` answer with a 3xx status is a redirect to ``url``.
    """
    requests: list[Recorded] = []

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            recorded = Recorded(self.command, self.path,
                                {k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length))
            requests.append(recorded)
            status, payload = responder(recorded)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", payload["location"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests look at ``requests`` instead."""

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StandIn(f"http://{host}:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
