"""The client side of the API: where the server is, the saved token, requests, SSE.

The saved token belongs to the server it was saved for: it is sent to that
origin (scheme, host, port) and nowhere else, so ``AUTOSTACK_SERVER`` pointing
elsewhere never leaks it. ``AUTOSTACK_TOKEN`` is an explicit choice and goes to
whichever server is used. ``autostack login`` sends no token at all: a stale
saved one must not stand between the user and a new one.
"""

from __future__ import annotations

import http.client
import json
import os
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import click

TIMEOUT_SECONDS = 60
DEFAULT_PORTS = {"http": 80, "https": 443}


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostack" / "auth.json"


def load_config() -> dict[str, str]:
    try:
        data = json.loads(config_path().read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_config(server: str, token: str) -> Path:
    from autostack_core.utils import write_private  # asyncio with it: only for login

    path = config_path()
    write_private(path, json.dumps({"server": server, "token": token}))
    return path


def same_server(first: str, second: str) -> bool:
    """Whether two server URLs name the same origin: scheme, host and port."""
    return origin(first) == origin(second)


def origin(url: str) -> tuple[str, str, int | None]:
    """A URL's scheme, host and port (the scheme's default port when none is written)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def saved_token(config: dict[str, str], server: str) -> str | None:
    """The saved token if it was saved for ``server``, else ``None``."""
    saved_for = config.get("server")
    if saved_for and config.get("token") and same_server(saved_for, server):
        return config["token"]
    return None


class Response:
    """An answer read whole: status, headers, body."""

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class ApiClient:
    """The API over kept-alive connections (the standard library's ``http.client``:
    httpx cost every command about 60 ms of CPU to import); bearer token, JSON errors
    turned into ClickExceptions.

    ``anonymous`` sends no token, saved or from the environment (``login``). A client of
    an ``http://`` server builds no TLS context (loading the CA bundle costs 20-30 ms); an
    ``https://`` one verifies the server's certificate against the system's CAs.
    """

    def __init__(self, server: str | None = None, *, anonymous: bool = False) -> None:
        config = load_config()
        self.server = (server or os.environ.get("AUTOSTACK_SERVER") or config.get("server")
                       or "http://localhost:8000").rstrip("/")
        self.token = None if anonymous else (
            os.environ.get("AUTOSTACK_TOKEN") or saved_token(config, self.server))
        parts = urlsplit(self.server)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise click.ClickException(f"{self.server}: the server URL must start with "
                                       "http:// or https:// and name a host")
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.idle: list[http.client.HTTPConnection] = []
        # Commands that use a client for one call never close it: do it for them.
        weakref.finalize(self, close_all, self.idle)

    def connect(self, timeout: float | None) -> http.client.HTTPConnection:
        """A new connection to the server (not opened until the first request)."""
        if self.https:
            import ssl  # only for an https:// server

            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def response(self, method: str, path: str, *, json: Any = None, content: bytes | None = None,
                 headers: Mapping[str, str] | None = None,
                 params: Mapping[str, str] | None = None) -> Response:
        """Send one request and read its answer whole, whatever its status."""
        body, sent = self._body(json, content, headers)
        target = self.prefix + path + (f"?{urlencode(params)}" if params else "")
        for attempt in (1, 2):
            try:  # an idle kept-alive connection (list.pop is atomic: upload threads share it)
                connection, reused = self.idle.pop(), True
            except IndexError:
                connection, reused = self.connect(TIMEOUT_SECONDS), False
            try:
                answer = self._send(connection, method, target, body, sent)
                content = answer.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                # A kept-alive connection the server closed meanwhile: once more, anew.
                if reused and attempt == 1 and isinstance(error, (
                        ConnectionError, http.client.RemoteDisconnected)):
                    continue
                raise click.ClickException(f"cannot reach {self.server}: {error}") from error
            if answer.will_close:
                connection.close()
            else:
                self.idle.append(connection)
            return Response(answer.status, dict(answer.headers), content)
        raise AssertionError("unreachable")

    @staticmethod
    def _send(connection: http.client.HTTPConnection, method: str, target: str,
              body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        """Send the request; its answer, even one the server gave before reading the whole
        body and closing (a 413 for a body over its limit breaks the pipe mid-send)."""
        try:
            connection.request(method, target, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError) as error:
            try:
                return connection.getresponse()
            except (OSError, http.client.HTTPException):
                raise error from None
        return connection.getresponse()

    def _body(self, payload: Any, content: bytes | None,
              headers: Mapping[str, str] | None) -> tuple[bytes | None, dict[str, str]]:
        sent = {**self.headers, **(headers or {})}
        if payload is not None:
            sent.setdefault("Content-Type", "application/json")
            return json.dumps(payload).encode(), sent
        return content, sent

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request (``json=``, ``content=``, ``headers=``, ``params=``); its JSON
        answer, or a ClickException with the server's error message."""
        response = self.response(method, path, **kwargs)
        if response.status_code >= 400:
            raise click.ClickException(error_message(response))
        return response.json() if response.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {})

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def events(self, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (event, data) pairs from a Server-Sent Events endpoint (on a connection
        of its own, without a read timeout)."""
        connection = self.connect(TIMEOUT_SECONDS)
        try:
            try:
                connection.request("GET", self.prefix + path, headers={
                    **self.headers, "Accept": "text/event-stream"})
                if connection.sock is not None:
                    connection.sock.settimeout(None)
                answer = connection.getresponse()
            except (OSError, http.client.HTTPException) as error:
                raise click.ClickException(f"cannot reach {self.server}: {error}") from error
            if answer.status >= 400:
                raise click.ClickException(error_message(
                    Response(answer.status, dict(answer.headers), answer.read())))
            event, data = "message", list[str]()
            while raw := answer.readline():
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        yield event, json.loads("\n".join(data))
                    event, data = "message", list[str]()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        finally:
            connection.close()

    def close(self) -> None:
        close_all(self.idle)


def close_all(connections: list[http.client.HTTPConnection]) -> None:
    """Close and forget the connections."""
    while connections:
        connections.pop().close()


def error_message(response: Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['message']} (HTTP {response.status_code})"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
