"""The client side of the API: where the server is, the saved token, requests, SSE.

The saved token belongs to the server it was saved for: it is sent to that
origin (scheme, host, port) and nowhere else, so ``AUTOSTACK_SERVER`` pointing
elsewhere never leaks it. ``AUTOSTACK_TOKEN`` is an explicit choice and goes to
whichever server is used. ``autostack login`` sends no token at all: a stale
saved one must not stand between the user and a new one.
"""

from __future__ import annotations

import json
import os
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

if "httpx" not in sys.modules:
    # httpx's own command line (``httpx._main``) imports rich and pygments: half of
    # httpx's import time, paid by every ``autostack`` command before it does anything.
    # Nothing here runs it; marked absent, ``import httpx`` skips it (its ``main`` then
    # says its dependencies are missing).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx


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
    a, b = httpx.URL(first), httpx.URL(second)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def saved_token(config: dict[str, str], server: str) -> str | None:
    """The saved token if it was saved for ``server``, else ``None``."""
    saved_for = config.get("server")
    if saved_for and config.get("token") and same_server(saved_for, server):
        return config["token"]
    return None


class PlainHttpTransport(httpx.HTTPTransport):
    """The transport for a server at an ``http://`` URL: it never speaks TLS, so it builds
    no verified TLS context (loading the CA bundle costs 20-30 ms of every command), and it
    refuses any other scheme rather than send it unverified."""

    def __init__(self) -> None:
        super().__init__(verify=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"{request.url}: this client talks to an http:// server only")
        return super().handle_request(request)


class ApiClient:
    """A thin httpx wrapper: bearer token, JSON errors turned into ClickExceptions.

    ``anonymous`` sends no token, saved or from the environment (``login``).
    """

    def __init__(self, server: str | None = None, *, anonymous: bool = False) -> None:
        config = load_config()
        self.server = (server or os.environ.get("AUTOSTACK_SERVER") or config.get("server")
                       or "http://localhost:8000").rstrip("/")
        self.token = None if anonymous else (
            os.environ.get("AUTOSTACK_TOKEN") or saved_token(config, self.server))
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        plain = httpx.URL(self.server).scheme == "http"
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=60,
                                 transport=PlainHttpTransport() if plain else None)
        # Commands that use a client for one call never close it: do it for them.
        weakref.finalize(self, self.http.close)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise click.ClickException(f"cannot reach {self.server}: {error}") from error
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
        """Yield (event, data) pairs from a Server-Sent Events endpoint."""
        with self.http.stream("GET", path, timeout=httpx.Timeout(60, read=None)) as response:
            if response.status_code >= 400:
                response.read()
                raise click.ClickException(error_message(response))
            event, data = "message", list[str]()
            for line in response.iter_lines():
                if not line:
                    if data:
                        yield event, json.loads("\n".join(data))
                    event, data = "message", list[str]()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())

    def close(self) -> None:
        self.http.close()


def error_message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['message']} (HTTP {response.status_code})"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
