"""The client side of the API: where the server is, the saved token, requests, SSE."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import httpx

from autostack_core.utils import write_private


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
    path = config_path()
    write_private(path, json.dumps({"server": server, "token": token}))
    return path


class ApiClient:
    """A thin httpx wrapper: bearer token, JSON errors turned into ClickExceptions."""

    def __init__(self, server: str | None = None, token: str | None = None) -> None:
        config = load_config()
        self.server = (server or os.environ.get("AUTOSTACK_SERVER") or config.get("server")
                       or "http://localhost:8000").rstrip("/")
        self.token = token or os.environ.get("AUTOSTACK_TOKEN") or config.get("token")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=60)

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
