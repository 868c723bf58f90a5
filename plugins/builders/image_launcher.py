"""The launcher inside an image packaged from a build output (standard library only).

Copied into the image with :mod:`.image_routes` and :mod:`.image_middleware`
as the package ``/autostack/autostack_image`` and run with the image's
``python3 -B -m autostack_image.image_launcher`` in ``/autostack``. It listens
on ``0.0.0.0:$PORT`` and answers as the local edge would for the output in
``/autostack/output``: its
``config.json`` routes (redirects, headers, rewrites, ``cleanUrls``,
``trailingSlash``, the SPA fallback, the 404 page) walked by
:class:`.image_routes.Router`, which decides between

* a file of ``static/`` (a folder's ``index.html``);
* a function at exactly its path (``functions/api/hello.func`` at
  ``/api/hello``), served by AutoStack's function launcher of its runtime
  (``python*``, ``nodejs*``, ``edge``; in ``/autostack/launchers``), one worker
  per runtime on a loopback port of the container;
* the server app of ``server.json``, started on a loopback port of the
  container and proxied to;
* a redirect, a status, or the 404 page.

Middleware (a route's ``middlewarePath``) is run by the ``edge`` worker, called
as the local edge calls it (:mod:`.image_middleware`).
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import os
import socket
import subprocess
import sys
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from . import image_middleware
from .image_routes import Answer, MiddlewareAnswer, Request, Router

OUTPUT = Path(os.environ.get("AUTOSTACK_OUTPUT", "/autostack/output"))
STATIC = OUTPUT / "static"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
               "proxy-authorization", "proxy-authenticate"}
SERVER_START_SECONDS = 60
LAUNCHERS = Path(__file__).resolve().parent.parent / "launchers"
FUNCTION_COMMANDS = {"python": ["python3", "-B", str(LAUNCHERS / "python_functions.py")],
                     "node": ["node", str(LAUNCHERS / "node_functions.mjs")],
                     "edge": ["node", str(LAUNCHERS / "edge_functions.mjs")]}
FUNCTION_PREFIXES = {"python": "python", "nodejs": "node", "edge": "edge"}
SCRIPT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript"}
NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; color: #111; margin: 0">
<main style="text-align: center; padding-top: 30vh">
<h1 style="font-size: 1.4rem">{title}</h1><p style="color: #555">{detail}</p>
<p style="color: #999"><small>AutoStack</small></p></main></body></html>
"""
"""AutoStack's page for an error or a route's bare status, the local edge's own
(``edge_routes.NOT_FOUND_PAGE``; tests/unit/test_image_routes.py holds them equal)."""


def static_file(path: str) -> str | None:
    """The file of ``static/`` serving URL ``path`` (itself, else its folder's ``index.html``),
    relative; never outside ``static/``."""
    base = STATIC.resolve()
    relative = path.strip("/")
    for candidate in (relative, f"{relative}/index.html".lstrip("/")):
        found = (STATIC / candidate).resolve() if candidate else base
        if found.is_file() and base in found.parents:
            return found.relative_to(base).as_posix()
    return None


def content_type(path: Path) -> str:
    """The file's type as the edge (Go's ``mime``) names it: text with its charset."""
    guessed = SCRIPT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def autostack_page(found: Answer) -> bytes:
    """The edge's page for an error (``404: Not Found``) or a route's bare status."""
    status = found.status or 404
    if found.kind == "status":
        return NOT_FOUND_PAGE.format(title=status, detail="This page is not available.").encode()
    try:
        text = HTTPStatus(status).phrase
    except ValueError:
        text = ""
    return NOT_FOUND_PAGE.format(title=f"{status}: {text}",
                                 detail="This deployment has nothing at this address.").encode()


def read_config() -> dict[str, object]:
    config = OUTPUT / "config.json"
    data = json.loads(config.read_text()) if config.is_file() else {}
    return data if isinstance(data, dict) else {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def middleware_paths(config: dict[str, object]) -> set[str]:
    """The functions ``config.json`` names as ``middlewarePath`` (served at no path)."""
    routes = config.get("routes")
    return {str(route["middlewarePath"]).strip("/") for route in
            (routes if isinstance(routes, list) else [])
            if isinstance(route, dict) and route.get("middlewarePath")}


def find_functions(config: dict[str, object]) -> tuple[dict[str, str], set[str]]:
    """The runtime family (``python``, ``node``, ``edge``) of each function by the path it
    serves (``/api/hello`` for ``functions/api/hello.func``; middleware serves none), and the
    families whose worker must run."""
    root = OUTPUT / "functions"
    middleware = middleware_paths(config)
    served: dict[str, str] = {}
    families: set[str] = set()
    for folder in sorted(root.rglob("*.func")) if root.is_dir() else []:
        config_file = folder / ".vc-config.json"
        settings = json.loads(config_file.read_text()) if config_file.is_file() else {}
        runtime = str(settings.get("runtime", ""))
        family = next((family for prefix, family in FUNCTION_PREFIXES.items()
                       if runtime.startswith(prefix)), None)
        path = folder.relative_to(root).as_posix().removesuffix(".func")
        if family is None or (path in middleware and family != "edge"):
            sys.exit(f"functions/{path}.func: the {runtime!r} runtime cannot run in an image "
                     "(python*, nodejs*, edge; middleware: edge)")
        families.add(family)
        if path not in middleware:
            served["/" + path] = family
    return served, families


def start(command: list[str], cwd: Path) -> int:
    """Start ``command`` with ``PORT`` set to a free loopback port; the port, once it listens."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "HOSTNAME": "127.0.0.1"}
    subprocess.Popen(command, cwd=cwd, env=env)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return port
        time.sleep(0.1)
    sys.exit(f"{command[-1]} did not listen on port {port} within {SERVER_START_SECONDS} s")


def start_server() -> int | None:
    """Start the server app of ``server.json``; its port, or None without one."""
    manifest = OUTPUT / "server.json"
    if not manifest.is_file():
        return None
    server = json.loads(manifest.read_text())
    return start(["/bin/sh", "-c", server["command"]], OUTPUT / server.get("directory", "server"))


def start_functions(families: set[str]) -> dict[str, int]:
    """A worker per function runtime family: its port."""
    return {family: start([*FUNCTION_COMMANDS[family], str(OUTPUT / "functions")],
                          OUTPUT / "functions") for family in sorted(families)}


class Handler(SimpleHTTPRequestHandler):
    """Answers every method as :attr:`router` says."""

    router: Router
    server_port: int | None = None
    function_ports: dict[str, int] = {}
    has_404_page = False

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, directory=str(STATIC), **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        self.answer()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def answer(self) -> None:
        path, _, query = self.path.partition("?")
        request = Request(self.command, unquote(path), query,
                          {key.lower(): value for key, value in self.headers.items()},
                          self.headers.get("Host", ""))
        found = self.router.route(request)
        if found.kind == "response":
            self.send_body(found.status or 200, found.headers, found.body, "")
            return
        if found.kind == "error":
            # As at the edge, the error routes see the path as routing left it.
            at = unquote(found.uri.partition("?")[0])
            error = self.router.error(found.status or 404, at, self.has_404_page)
            found = Answer(error.kind, error.status, {**found.headers, **error.headers},
                           error.target, found.uri)
        if found.kind == "file":
            self.send_file(STATIC / found.target, found.status or 200, found.headers)
        elif found.kind == "function":
            self.proxy(self.function_ports[found.target], found)
        elif found.kind == "server" and self.server_port is not None:
            self.proxy(self.server_port, found)
        elif found.kind == "redirect":
            self.send_body(found.status or 308, found.headers, b"", "")
        else:
            self.send_body(found.status or 404, found.headers, autostack_page(found),
                           "text/html; charset=utf-8")

    def send_file(self, path: Path, status: int, headers: dict[str, str]) -> None:
        self.send_body(status, headers, path.read_bytes(), content_type(path))

    def send_body(self, status: int, headers: dict[str, str], body: bytes,
                  content_type: str) -> None:
        self.send_response(status)
        headers = {"Content-Type": content_type, **headers} if content_type else dict(headers)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def proxy(self, port: int, found: Answer) -> None:
        """The answer's ``uri`` of the upstream on ``port``, with the request's headers as
        routing left them; the routes' headers win over the upstream's."""
        extra = found.headers
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {key: value for key, value in found.request_headers.items()
                   if key.lower() not in HOP_HEADERS
                   and key.lower() not in image_middleware.INTERNAL}
        if length:
            headers["content-length"] = str(length)
        upstream.request(self.command, found.uri, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        overridden = {key.lower() for key in extra} | HOP_HEADERS | {"content-length"}
        for key, value in response.getheaders():
            if key.lower() not in overridden:
                self.send_header(key, value)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()


def main() -> None:
    config = read_config()
    functions, families = find_functions(config)
    Handler.server_port = start_server()
    Handler.function_ports = start_functions(families)
    Handler.has_404_page = (STATIC / "404.html").is_file()
    edge_port = Handler.function_ports.get("edge")

    def middleware(path: str, request: Request) -> MiddlewareAnswer:
        assert edge_port is not None
        return image_middleware.call(edge_port, path, request)

    Handler.router = Router(config, static_file, functions.get,
                            has_server=Handler.server_port is not None,
                            has_functions=bool(families),
                            middleware=middleware if edge_port is not None else None)
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
