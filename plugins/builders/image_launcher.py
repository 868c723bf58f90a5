"""The launcher inside an image packaged from a build output (standard library only).

Copied into the image as ``/autostack/launcher.py`` and run with the image's
``python3``. It listens on ``0.0.0.0:$PORT`` and answers as the edge would for
the output in ``/autostack/output``:

1. a file of ``static/`` (a folder's ``index.html``, ``<path>.html``);
2. else a function whose path matches (``functions/api/hello.func`` at
   ``/api/hello``, ``api/index.func`` also at ``/api``, ``[name]`` segments
   match any segment), served by AutoStack's function launcher of its runtime
   (``python*``, ``nodejs*``; copied into ``launchers/`` next to this file), one
   worker per runtime on a loopback port of the container;
3. else the server app of ``server.json``, which it starts on a loopback port of
   the container and proxies to;
4. else ``static/404.html`` (status 404), or ``static/index.html`` for a
   single-page app (``config.json``'s last route to ``/index.html``).

``config.json``'s redirects and headers are not applied here (documented in
``docs/providers/containers.md``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
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
LAUNCHERS = Path(__file__).resolve().parent / "launchers"
FUNCTION_COMMANDS = {"python": ["python3", "-B", str(LAUNCHERS / "python_functions.py")],
                     "node": ["node", str(LAUNCHERS / "node_functions.mjs")]}


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


def function_pattern(path: str) -> re.Pattern[str]:
    """The request paths of function ``path`` (``api/[id]`` matches ``/api/7``)."""
    segments = path.split("/")
    index = segments[-1] == "index"
    parts = ["[^/]+" if re.fullmatch(r"\[[^/]+\]", part) else re.escape(part)
             for part in (segments[:-1] if index else segments)]
    return re.compile("^/" + "/".join(parts) + ("(?:/index)?" if index else "") + "/?$")


def find_functions() -> dict[str, list[re.Pattern[str]]]:
    """The paths of the output's functions by runtime family (``python``, ``node``)."""
    root = OUTPUT / "functions"
    found: dict[str, list[re.Pattern[str]]] = {}
    for folder in sorted(root.rglob("*.func")) if root.is_dir() else []:
        config_file = folder / ".vc-config.json"
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
        runtime = str(config.get("runtime", ""))
        family = next((name for name in FUNCTION_COMMANDS if runtime.startswith(name)), None)
        if family is None:
            sys.exit(f"{folder.name}: the {runtime!r} runtime cannot run in an image "
                     "(python*, nodejs*)")
        path = folder.relative_to(root).as_posix().removesuffix(".func")
        found.setdefault(family, []).append(function_pattern(path))
    return found


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


def start_functions() -> list[tuple[list[re.Pattern[str]], int]]:
    """A worker per function runtime: the paths it serves and its port."""
    return [(patterns, start([*FUNCTION_COMMANDS[family], str(OUTPUT / "functions")],
                             OUTPUT / "functions"))
            for family, patterns in find_functions().items()]


class Handler(SimpleHTTPRequestHandler):
    server_port: int | None = None
    functions: tuple[tuple[list[re.Pattern[str]], int], ...] = ()
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
        function = self.function_port()
        if found is not None:
            self.send_file(found, 200)
        elif function is not None:
            self.proxy(function)
        elif self.server_port is not None:
            self.proxy(self.server_port)
        elif self.spa and (STATIC / "index.html").is_file():
            self.send_file(STATIC / "index.html", 200)
        elif (STATIC / "404.html").is_file():
            self.send_file(STATIC / "404.html", 404)
        else:
            self.send_error(404)

    def function_port(self) -> int | None:
        path = unquote(self.path.split("?", 1)[0])
        return next((port for patterns, port in self.functions
                     if any(pattern.match(path) for pattern in patterns)), None)

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
    Handler.functions = tuple(start_functions())
    Handler.spa = spa_fallback()
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
