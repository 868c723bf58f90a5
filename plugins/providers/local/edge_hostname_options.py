"""A hostname's options at the local edge: skew window, protection, redirect, HTTPS.

Each option is saved in the edge's state (:class:`.edge_state.EdgeState`), then
made into files Caddy reads, never configuration: a skew window and protection
are flags of the hostname's marker and its pin links (:mod:`.edge_skew`,
:mod:`.edge_protection`), redirects and HTTPS markers are files of their own
(:mod:`.edge_domains`). None of them reloads Caddy.
:class:`autostack_plugins.providers.local.edge.Edge` shares its lock and state
with :class:`HostnameOptions`, so an option never interleaves with a deploy or
an alias move.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from autostack_core.config import Settings
from autostack_core.interfaces.edge import DEFAULT_SKEW_SECONDS
from autostack_plugins.providers.local import edge_domains
from autostack_plugins.providers.local.edge_skew import forget_expired, next_expiry
from autostack_plugins.providers.local.edge_state import EdgeError, EdgeState, check_hostname
from autostack_plugins.providers.local.edge_tls import redirect_file
from autostack_plugins.providers.local.edge_tree import LinkTree

logger = logging.getLogger("autostack.edge")

PIN_CHECK_SECONDS = 1.0
"""How often, at most, the edge looks for skew windows that have ended."""


class HostnameOptions:
    """Changes a hostname's options in the edge's ``state`` under the edge's ``lock``.

    ``save`` writes ``state`` to its file; it is called before the files change.
    """

    def __init__(self, settings: Settings, state: EdgeState, tree: LinkTree,
                 lock: asyncio.Lock, save: Callable[[], None]) -> None:
        self.settings = settings
        self.state = state
        self.tree = tree
        self._lock = lock
        self._save = save

    # -- skew protection: pinned requests, files only (see edge_skew) -------------

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin ``hostname``'s requests to their deployment within ``seconds`` (0: never)."""
        hostname = check_hostname(hostname)
        if seconds < 0:
            raise EdgeError(f"{hostname}: a skew window cannot be negative ({seconds})")
        async with self._lock:
            if self.state.skew.get(hostname, 0) == seconds:
                return  # every bind already links the pins and marker this window gives
            if seconds:
                self.state.skew[hostname] = int(seconds)
            else:
                self.state.skew.pop(hostname, None)
            self._save()
            self.tree.link_pins(self.state, hostname)
            self.tree.link(self.state, hostname)  # the marker's skew flag

    async def expire_pins(self) -> None:
        """Remove the pins whose skew window has ended (and the records nobody needs)."""
        async with self._lock:
            changed = forget_expired(self.state, time.time(), DEFAULT_SKEW_SECONDS)
            if changed:
                self._save()
            for hostname in changed:
                self.tree.link_pins(self.state, hostname)

    async def expire_pins_forever(self) -> None:
        """Call :meth:`expire_pins` as skew windows end (at least every second); never returns."""
        while True:
            wait = next_expiry(self.state, time.time())
            await asyncio.sleep(PIN_CHECK_SECONDS if wait is None
                                else min(max(wait, 0.05), PIN_CHECK_SECONDS))
            try:
                await self.expire_pins()
            except OSError as error:  # a full disk must not end skew windows for good
                logger.warning("could not expire skew pins: %s", error)

    # -- deployment protection: a flag of the hostname's marker (see edge_protection) --

    async def protect(self, hostname: str, protected: bool) -> None:
        """Whether ``hostname``'s requests pass the control plane's check: one rename."""
        hostname = check_hostname(hostname)
        async with self._lock:
            hosts = set(self.state.protected)
            hosts = hosts | {hostname} if protected else hosts - {hostname}
            if hosts == set(self.state.protected):
                return
            self.state.protected = sorted(hosts)
            self._save()
            self.tree.link(self.state, hostname)

    # -- custom domains: redirects and HTTPS markers, files only (see edge_domains) --

    async def redirect(self, hostname: str, status: int, target: str) -> None:
        """Redirect every request for ``hostname`` to ``target`` with ``status``; no reload."""
        hostname, target = check_hostname(hostname), check_hostname(target)
        name = redirect_file(status, target)
        async with self._lock:
            self.state.redirects[hostname] = name
            self._save()
            edge_domains.write_redirect(self.settings, hostname, name)

    async def unredirect(self, hostname: str) -> None:
        """Stop redirecting ``hostname``."""
        hostname = check_hostname(hostname)
        async with self._lock:
            if self.state.redirects.pop(hostname, None) is not None:
                self._save()
            edge_domains.remove_redirect(self.settings, hostname)

    async def serve_https(self, hostname: str, enabled: bool) -> None:
        """Whether plain HTTP requests for ``hostname`` redirect to HTTPS (it has a certificate)."""
        hostname = check_hostname(hostname)
        async with self._lock:
            hosts = set(self.state.https)
            hosts = hosts | {hostname} if enabled else hosts - {hostname}
            if hosts != set(self.state.https):
                self.state.https = sorted(hosts)
                self._save()
            edge_domains.write_https_marker(self.settings, hostname, enabled)
