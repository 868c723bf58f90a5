"""The launcher inside an image packaged from a build output (standard library only).

Copied into the image as ``/autostack/launcher.py`` and run with the image's
``python3``. It listens on ``0.0.0.0:$PORT`` and answers as the edge would for
the output in ``/autostack/output``:

1. a file of ``static/`` (a folder's ``index.html``, ``<path>.html``);
2. else the server app of ``server.json``, which it starts on a loopback port of
   the container and proxies to;
3. else ``static/404.html`` (status 404), or ``static/index.html`` for a
   single-page app (``config.json``'s last route to ``/index.html``).

``config.json``'s redirects and headers are not applied here (documented in
``docs/providers/containers.md``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

OUTPUT = Path(os.environ.get("AUTOSTACK_OUTPUT", "/autostack/output"))
STATIC = OUTPUT / "static"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
               "proxy-authorization", "proxy-authenticate"}
SERVER_START_SECONDS = 60


def static_file(path: str) -> Path | None:
    """The file of ``static/`` that ``path`` names, never outside it."""
    relative = unquote(path.split("?", 1)[0]).strip("/")
    base = STATIC.resolve()
    for candidate in (relative, f"{relative}/index.html".lstrip("/"), f"{relative}.html"):
        found = (STATIC / candidate).resolve() if candidate else base
        if found.is_file() and (found == base or base in found.parents):
            return found
    return None


def spa_fallback() -> bool:
    config = OUTPUT / "config.json"
    routes = json.loads(config.read_text()).get("routes", []) if config.is_file() else []
    return any(route.get("dest") == "/index.html" for route in routes if isinstance(route, dict))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server() -> int | None:
    """Start the server app of ``server.json`` on a loopback port; its port, or None."""
    manifest = OUTPUT / "server.json"
    if not manifest.is_file():
        return None
    server = json.loads(manifest.read_text())
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "HOSTNAME": "127.0.0.1"}
    subprocess.Popen(["/bin/sh", "-c", server["command"]],
                     cwd=OUTPUT / server.get("directory", "server"), env=env)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return port
        time.sleep(0.1)
    sys.exit(f"the server app did not listen on port {port} within {SERVER_START_SECONDS} s")


class Handler(SimpleHTTPRequestHandler):
    server_port: int | None = None
    spa = False

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, directory=str(STATIC), **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        self.answer()

    def do_HEAD(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def answer(self) -> None:
        found = static_file(self.path) if self.command in ("GET", "HEAD") else None
        if found is not None:
            self.send_file(found, 200)
        elif self.server_port is not None:
            self.proxy(self.server_port)
        elif self.spa and (STATIC / "index.html").is_file():
            self.send_file(STATIC / "index.html", 200)
        elif (STATIC / "404.html").is_file():
            self.send_file(STATIC / "404.html", 404)
        else:
            self.send_error(404)

    def send_file(self, path: Path, status: int) -> None:
        body = path.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def proxy(self, port: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {key: value for key, value in self.headers.items()
                   if key.lower() not in HOP_HEADERS}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()


def main() -> None:
    Handler.server_port = start_server()
    Handler.spa = spa_fallback()
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
