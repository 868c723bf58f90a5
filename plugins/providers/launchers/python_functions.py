"""Serve every Python function of a Build Output folder from one warm process.

Usage: ``python3 python_functions.py <functions dir>`` (listens on ``$PORT``,
host ``$HOST`` or 127.0.0.1). Standard library only, so it runs with the
system interpreter; the functions' own packages are in ``<functions dir>/.python``.

Each ``<path>.func/`` folder whose ``.vc-config.json`` names a ``python*``
runtime answers at ``/<path>`` (``api/index.func`` also at ``/api``; ``[name]``
segments match any segment). Its handler module follows Vercel's Python
conventions, checked in this order:

- ``handler``: a :class:`http.server.BaseHTTPRequestHandler` subclass, given
  the request as if it owned the connection;
- ``app``: an ASGI application (an ``async`` callable, such as FastAPI or
  Starlette), run on one event loop shared by all functions;
- ``app``: a WSGI application (Flask, Django's ``application``...).

A function that raises answers 500 and its traceback goes to stderr.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import io
import json
import os
import re
import sys
import threading
import traceback
import wsgiref.handlers
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

Result = TypeVar("Result")

FAILED = b"A server error has occurred\n\nFUNCTION_INVOCATION_FAILED\n"


@dataclass
class Function:
    """One ``.func`` folder: the path it answers and its handler file."""

    route: str
    folder: Path
    handler: Path
    pattern: re.Pattern[str] = field(init=False)
    dynamic: bool = field(init=False)
    module: ModuleType | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        segments = self.route.split("/")[1:]
        index = segments[-1:] == ["index"]
        if index:
            segments.pop()
        parts = []
        for segment in segments:
            param = re.fullmatch(r"\[(\.\.\.)?(\w+)\]", segment)
            if param:
                parts.append(f"/(?P<{param.group(2)}>.+)" if param.group(1)
                             else f"/(?P<{param.group(2)}>[^/]+)")
            else:
                parts.append("/" + re.escape(segment))
        tail = "(?:/index)?" if index else ""
        self.pattern = re.compile("^" + "".join(parts) + tail + "/?$")
        self.dynamic = "[" in self.route

    def load(self) -> ModuleType:
        """Import the handler module once (sibling files importable, as on Vercel)."""
        with self.lock:
            if self.module is None:
                name = "autostack_fn_" + re.sub(r"\W", "_", self.route)
                spec = importlib.util.spec_from_file_location(name, self.handler)
                if spec is None or spec.loader is None:
                    raise ImportError(f"cannot import {self.handler}")
                module = importlib.util.module_from_spec(spec)
                for folder in (self.handler.parent, self.folder):
                    if str(folder) not in sys.path:
                        sys.path.insert(0, str(folder))
                spec.loader.exec_module(module)
                self.module = module
            return self.module


def find_functions(root: Path) -> list[Function]:
    """Every Python ``.func`` folder under ``root``, static routes before dynamic ones."""
    found = []
    for config_path in sorted(root.rglob("*.func/.vc-config.json")):
        config = json.loads(config_path.read_text(encoding="utf-8"))
        if not str(config.get("runtime", "")).startswith("python"):
            continue
        folder = config_path.parent
        route = "/" + folder.relative_to(root).as_posix().removesuffix(".func")
        found.append(Function(route, folder, folder / config["handler"]))
    return sorted(found, key=lambda fn: fn.dynamic)


# -- the three kinds of handler ----------------------------------------------


class _Connection:
    """A stand-in socket: the request bytes to read, and what the handler sends."""

    def __init__(self, request: bytes) -> None:
        self.incoming = io.BytesIO(request)
        self.sent = bytearray()

    def makefile(self, mode: str, *args: Any) -> io.BytesIO:
        return self.incoming if "r" in mode else _Sink(self.sent)

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def settimeout(self, timeout: float | None) -> None:
        pass

    def setsockopt(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _Sink(io.BytesIO):
    def __init__(self, target: bytearray) -> None:
        super().__init__()
        self.target = target

    def write(self, data: Any) -> int:
        self.target.extend(data)
        return len(data)


def run_handler_class(handler: type[BaseHTTPRequestHandler], request: bytes,
                      client: tuple[str, int]) -> bytes:
    """Let a ``BaseHTTPRequestHandler`` subclass answer ``request``; return its raw response."""
    connection = _Connection(request)
    handler(connection, client, None)  # type: ignore[arg-type]
    return bytes(connection.sent)


def run_wsgi(app: Callable[..., Any], environ: dict[str, Any], body: bytes) -> bytes:
    """Run a WSGI app on one request; return the raw HTTP/1.0 response."""
    out = io.BytesIO()
    handler = _WsgiHandler(io.BytesIO(body), out, sys.stderr, environ, multithread=True)
    handler.run(app)
    return out.getvalue()


class _WsgiHandler(wsgiref.handlers.SimpleHandler):
    error_body = FAILED
    server_software = "autostack-functions"


async def run_asgi(app: Callable[..., Any], scope: dict[str, Any], body: bytes) -> bytes:
    """Run an ASGI app on one HTTP request; return the raw response."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    try:
        await app(scope, receive, send)
    finally:
        disconnected.set()
    head = [f"HTTP/1.0 {status} {_reason(status)}".encode()]
    head += [name + b": " + value for name, value in headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + b"".join(chunks)


def _reason(status: int) -> str:
    return BaseHTTPRequestHandler.responses.get(status, ("",))[0]


def is_asgi(app: Any) -> bool:
    """Whether ``app`` is an ASGI application (an async callable)."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app)


class AsgiLoop:
    """One event loop in a background thread for every ASGI function."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.started: set[int] = set()

    def run(self, app: Callable[..., Any], scope: dict[str, Any], body: bytes) -> bytes:
        if id(app) not in self.started:
            self.started.add(id(app))
            self._call(_lifespan_startup(app))
        return self._call(run_asgi(app, scope, body))

    def _call(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


async def _lifespan_startup(app: Callable[..., Any]) -> None:
    """Send ``lifespan.startup`` and wait for the answer; apps without lifespan are fine."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await events.put({"type": "lifespan.startup"})
    done = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup."):
            done.set()
            if message["type"] == "lifespan.startup.failed":
                print(f"lifespan startup failed: {message.get('message', '')}", file=sys.stderr)

    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                     events.get, send))
    waiter = asyncio.ensure_future(done.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        # An app that does not speak lifespan raises here: there is nothing to start.
        task.exception()


# -- the server ----------------------------------------------------------------


class Dispatcher(BaseHTTPRequestHandler):
    """Routes each request to its function and writes that function's answer."""

    functions: list[Function] = []
    asgi: AsgiLoop
    server_version = "autostack-functions"

    def do_request(self) -> None:
        path = urlsplit(self.path).path
        found = next(((fn, m) for fn in self.functions if (m := fn.pattern.match(path))), None)
        if found is None:
            self.send_error(404)
            return
        function, match = found
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            response = self._invoke(function, body, {k: unquote(v)
                                                     for k, v in match.groupdict().items()})
        except Exception:
            print(f"Error in function {function.route}:", file=sys.stderr)
            traceback.print_exc()
            response = _plain(500, FAILED)
        if not response:
            print(f"Function {function.route} sent no response", file=sys.stderr)
            response = _plain(500, FAILED)
        self.close_connection = True
        self.wfile.write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_request

    def _invoke(self, function: Function, body: bytes, params: dict[str, str]) -> bytes:
        module = function.load()
        handler = getattr(module, "handler", None)
        if inspect.isclass(handler) and issubclass(handler, BaseHTTPRequestHandler):
            return run_handler_class(handler, self._raw_request(body), self.client_address)
        app = getattr(module, "app", None) or getattr(module, "application", None)
        if app is None:
            raise LookupError(f"{function.handler.name} defines neither a `handler` class "
                              "(BaseHTTPRequestHandler) nor an `app` (WSGI or ASGI)")
        if is_asgi(app):
            return self.asgi.run(app, self._asgi_scope(params), body)
        return run_wsgi(app, self._wsgi_environ(body), body)

    def _raw_request(self, body: bytes) -> bytes:
        head = f"{self.command} {self.path} HTTP/1.0\r\n".encode("latin-1")
        headers = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        return head + headers.encode("latin-1") + b"\r\n" + body

    def _target(self) -> tuple[str, str]:
        parts = urlsplit(self.path)
        return unquote(parts.path), parts.query

    def _server_address(self) -> tuple[str, int]:
        address: Any = self.server.server_address
        return str(address[0]), int(address[1])

    def _asgi_scope(self, params: dict[str, str]) -> dict[str, Any]:
        path, query = self._target()
        return {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": self.command, "scheme": "http", "path": path,
            "raw_path": urlsplit(self.path).path.encode("latin-1"),
            "query_string": query.encode("latin-1"), "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in self.headers.items()],
            "client": self.client_address, "server": self._server_address(),
            "path_params": params,
        }

    def _wsgi_environ(self, body: bytes) -> dict[str, Any]:
        path, query = self._target()
        host, port = self._server_address()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": query, "SERVER_NAME": str(host), "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ


def _plain(status: int, body: bytes) -> bytes:
    head = (f"HTTP/1.0 {status} {_reason(status)}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python3 python_functions.py <functions dir>")
    root = Path(argv[1]).resolve()
    packages = root / ".python"
    if packages.is_dir():
        sys.path.insert(0, str(packages))
    Dispatcher.functions = find_functions(root)
    Dispatcher.asgi = AsgiLoop()
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"),
                                  int(os.environ.get("PORT", "3000"))), Dispatcher)
    server.daemon_threads = True
    print(f"serving {len(Dispatcher.functions)} Python functions on port "
          f"{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
