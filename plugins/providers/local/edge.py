"""The edge: a Caddy process serving every deployment, driven through its admin API.

:class:`Edge` starts Caddy (or re-adopts one a previous run left answering on
the admin port) and loads the whole configuration with ``POST /load``; later
changes are ``PATCH`` calls under ``/id/<@id>``. The desired state
(deployments, aliases) lives in :class:`EdgeState`, saved to
``<data>/edge/state.json`` before every change, and everything is rebuilt
from it on start.

Why hostnames are symlinks: every admin API change makes Caddy reload, and a
reload resets connections waiting in the old listener's queue and idle
keep-alive connections (measured: 31 of 1054 requests failed during 20
PATCH-based alias moves). So hostnames never appear in the configuration:

* ``<data>/edge/hosts/<hostname>`` is a symlink to
  ``<data>/edge/deployments/<id>/``, which holds ``static`` (a symlink to the
  deployment's files) and an empty marker ``profile-<hash>.<id>``
  (:mod:`autostack_plugins.providers.local.edge_state` has the whole layout);
* the configuration has one route ``profile-<hash>`` per distinct set of
  Build Output routes (usually one per framework); one glob finds the marker
  under ``hosts/{http.request.host}/`` (a single directory read, however many
  profiles exist), its name picks the route, which serves
  ``deployments/<id>/static`` through the translated routes
  (:mod:`autostack_plugins.providers.local.edge_config`);
* a hostname split between deployments by weight links to a folder of 256
  bucket links instead (:mod:`autostack_plugins.providers.local.edge_splits`);
* a protected hostname, or one with a skew window, links to a folder whose
  marker carries those flags (``profile-<hash>.<id>~ps``), so the same lookup
  tells the routes whether to check the request and whether it may be pinned;
* a final catch-all answers AutoStack's 404 page for unknown hosts.

Deploying a deployment whose routes are already known, moving an alias and
starting, re-weighting or ending a split are symlink renames: atomic, no
reload; a request is pinned to the deployment its marker named, so requests in
flight finish on that deployment. Only a new set of routes adds a profile (one
``PATCH``).

Server apps and functions, weighted splits and skew protection follow the same
rule: ports, weights and pins are files or file names (a server app's ports end
its marker's name, so its requests read no other file)
(:mod:`autostack_plugins.providers.local.edge_tree` writes them;
:mod:`autostack_plugins.providers.local.edge_skew` for pinned requests).

What each change does to the state alone (which deployments serve a
hostname) is :mod:`autostack_plugins.providers.local.edge_bindings`; a
hostname's skew window, protection, redirect and HTTPS are
:mod:`autostack_plugins.providers.local.edge_hostname_options`.

Every access is logged as JSON to ``<data>/logs/edge-access.log`` (rolled by
size) and only there, for analytics. HTTPS, custom domain redirects and
ownership challenges follow the same rule (:mod:`autostack_plugins.providers.local.edge_tls`):
the redirects and "this hostname has a certificate" markers are files under
``<data>/edge/redirects/`` and ``<data>/edge/https/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping

from autostack_core.config import Settings
from autostack_plugins.providers.local import edge_protection
from autostack_plugins.providers.local.caddy_admin import (
    CADDY_PASSED_ENV,
    CaddyAdmin,
    caddy_binary,
)
from autostack_plugins.providers.local.edge_bindings import (
    bind_alias,
    bind_split,
    deployment_on_edge,
    drop_deployment,
    served_by,
    serving,
    unbind,
)
from autostack_plugins.providers.local.edge_config import (
    PROFILES_ID,
    caddy_config,
    profiles_handler,
)
from autostack_plugins.providers.local.edge_hostname_options import HostnameOptions
from autostack_plugins.providers.local.edge_middleware import MIDDLEWARE_RUNTIME, middleware_proxy
from autostack_plugins.providers.local.edge_process import CaddyProcess
from autostack_plugins.providers.local.edge_routes import deployment_handler
from autostack_plugins.providers.local.edge_skew import record_move
from autostack_plugins.providers.local.edge_splits import bucket_owners, prune_splits
from autostack_plugins.providers.local.edge_state import (
    EdgeDeployment,
    EdgeError,
    EdgeState,
    check_deployment_id,
    check_hostname,
)
from autostack_plugins.providers.local.edge_tree import LinkTree
from autostack_plugins.providers.local.wildcard_certificate import caddy_endpoint

__all__ = ["CADDY_PASSED_ENV", "Edge", "EdgeDeployment", "EdgeError", "EdgeState", "caddy_binary",
           "caddy_config"]

logger = logging.getLogger("autostack.edge")

class Edge:
    """Starts or re-adopts Caddy and keeps its configuration equal to :attr:`state`."""

    def __init__(self, settings: Settings, binary: str | None = None) -> None:
        self.settings = settings
        self.state_path = settings.path("edge", "state.json")
        self.tree = LinkTree(settings)
        self.hosts_dir = self.tree.hosts_dir
        self.deployments_dir = self.tree.deployments_dir
        self.splits_dir = self.tree.splits_dir
        self.state = EdgeState.load(self.state_path)
        self.wildcard = caddy_endpoint(settings)
        self._admin = CaddyAdmin(settings.edge_admin_socket)
        self.caddy = CaddyProcess(settings, binary or caddy_binary(), self._admin)
        self._lock = asyncio.Lock()
        self.options = HostnameOptions(settings, self.state, self.tree, self._lock, self._save)
        self._expiry: asyncio.Task[None] | None = None
        self.on_unserved: list[Callable[[str], None]] = []
        """Called with a deployment's id when an alias or a split stops sending it a
        hostname's traffic (the local runtime drains it then, unless still in use)."""

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The Caddy process this edge started (``None`` when it re-adopted one)."""
        process: subprocess.Popen[bytes] | None = self.caddy.process
        return process

    @property
    def adopted(self) -> bool:
        """Whether this edge re-adopted a Caddy a previous run left serving."""
        adopted: bool = self.caddy.adopted
        return adopted

    # -- process ------------------------------------------------------------

    async def start(self) -> None:
        """Re-adopt the Caddy answering on the admin port, or start one; then load the state."""
        self.settings.path("logs").mkdir(parents=True, exist_ok=True)
        if edge_protection.adopt_markers(self.settings, self.state):
            self._save()
        edge_protection.remove_markers(self.settings)
        await self.caddy.start()
        await self.reload()
        self._expiry = asyncio.create_task(self.options.expire_pins_forever(),
                                           name="edge skew windows")

    async def stop(self) -> None:
        """Stop Caddy, whether this edge started it or re-adopted it (a clean shutdown)."""
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
            self._expiry = None
        await self.caddy.stop()

    # -- changes ------------------------------------------------------------

    async def deploy(self, deployment: EdgeDeployment) -> list[str]:
        """Serve ``deployment`` on its own hostnames; return the route translation warnings."""
        check_deployment_id(deployment.id)
        deployment.hostnames = [check_hostname(host) for host in deployment.hostnames]
        warnings: list[str]
        _, warnings = deployment_handler(
            deployment.root, deployment.config,
            middleware=middleware_proxy if MIDDLEWARE_RUNTIME in deployment.functions else None)
        async with self._lock:
            new_profile = deployment.profile not in self.state.profiles()
            previous = self.state.deployments.get(deployment.id)
            self.state.deployments[deployment.id] = deployment
            self._save()
            self.tree.write_deployment(deployment)
            if new_profile:
                try:
                    await self._apply_profiles()
                except EdgeError as error:
                    # Kept in the state, routes Caddy refuses would fail every later change.
                    self._forget(deployment.id, previous)
                    raise EdgeError(f"the edge refused this deployment's routes: {error}") \
                        from error
            self.tree.prune_markers(deployment)
            for hostname in deployment.hostnames:
                self.tree.link(self.state, hostname)
        return warnings

    async def remove(self, deployment_id: str) -> None:
        """Stop serving a deployment: its hostnames and every alias pointing at it."""
        async with self._lock:
            dropped = drop_deployment(self.state, deployment_id, time.time())
            if dropped is None:
                return
            self._save()
            for hostname in [*dropped.deployment.hostnames, *dropped.orphans]:
                with contextlib.suppress(FileNotFoundError):
                    (self.hosts_dir / hostname).unlink()
            for hostname in dropped.shrunk:
                self.tree.link(self.state, hostname)
            for hostname in {*dropped.pinning, *dropped.orphans, *dropped.shrunk}:
                self.tree.link_pins(self.state, hostname)
            shutil.rmtree(self.deployments_dir / deployment_id, ignore_errors=True)

    async def alias(self, hostname: str, deployment_id: str) -> None:
        """Point ``hostname`` at a deployment: one atomic rename, no Caddy reload."""
        await self.bind_many({hostname: {deployment_id: 1}})

    async def split(self, hostname: str, weights: Mapping[str, int]) -> None:
        """Split ``hostname``'s traffic between deployments by weight: one atomic rename.

        ``weights`` maps deployment ids to weights (0: no traffic); a split with
        one positive weight is an alias of that deployment. Raises
        :class:`EdgeError`, changing nothing, for an unknown deployment or
        weights that send traffic nowhere.
        """
        await self.bind_many({hostname: weights})

    async def bind_many(self, bindings: Mapping[str, Mapping[str, int]]) -> None:
        """:meth:`split` for several hostnames, with one save of the state for all of them
        (a push moves three aliases; each save writes the whole state).

        Each hostname still moves in one atomic rename, after the save. An
        :class:`EdgeError` for any of them changes nothing, for none of them.
        """
        wanted: dict[str, dict[str, int]] = {}
        for hostname, weights in bindings.items():
            hostname = check_hostname(hostname)
            wanted[hostname] = {deployment_id: int(weight)
                                for deployment_id, weight in weights.items()}
            try:
                bucket_owners(wanted[hostname])
            except ValueError as error:
                raise EdgeError(f"cannot split {hostname}: {error}") from error
        unserved: set[str] = set()
        async with self._lock:
            aliases, splits = dict(self.state.aliases), dict(self.state.splits)
            moved: dict[str, list[str]] = {}
            try:
                for hostname, weights in wanted.items():
                    live = serving(weights)
                    previous = bind_alias(self.state, hostname, live[0]) if len(live) == 1 \
                        else bind_split(self.state, hostname, weights)
                    if previous is not None:
                        moved[hostname] = previous
                        unserved |= set(previous) - set(live)
            except EdgeError:
                self.state.aliases, self.state.splits = aliases, splits
                raise
            if moved:
                self._moved(moved)
        self._unserved(unserved)

    async def unalias(self, hostname: str) -> None:
        """Stop serving ``hostname``, an alias or a split (it then gets the unknown-host 404)."""
        hostname = check_hostname(hostname)
        async with self._lock:
            previous = unbind(self.state, hostname)
            if previous is None:
                return
            record_move(self.state, hostname, set(previous), set(), time.time())
            self._save()
            with contextlib.suppress(FileNotFoundError):
                (self.hosts_dir / hostname).unlink()
            prune_splits(self.splits_dir, hostname, set())
            self.tree.link_pins(self.state, hostname)
        self._unserved(set(previous))

    def _moved(self, moved: Mapping[str, list[str]]) -> None:
        """Save the new bindings of ``moved``'s hostnames (each with its previous targets),
        once, then serve them."""
        now = time.time()
        for hostname, previous in moved.items():
            record_move(self.state, hostname, set(previous), set(self.state.targets(hostname)),
                        now)
        self._save()
        for hostname in moved:
            self.tree.link(self.state, hostname)
            self.tree.link_pins(self.state, hostname)

    def _unserved(self, deployment_ids: set[str]) -> None:
        for deployment_id in sorted(deployment_ids):
            for listener in self.on_unserved:
                listener(deployment_id)

    async def set_upstreams(self, deployment_id: str, program: str, ports: list[int]) -> None:
        """Send ``program``'s traffic to ``ports`` (its replicas, or a waker): files only."""
        async with self._lock:
            deployment = deployment_on_edge(self.state, deployment_id)
            deployment.upstreams[program] = list(ports)
            self._save()
            self.tree.write_upstreams(deployment, program)

    async def set_replicas(self, deployment_id: str, replicas: int) -> None:
        """Record the wanted replica count (static deployments ignore it)."""
        async with self._lock:
            deployment = deployment_on_edge(self.state, deployment_id)
            deployment.replicas = replicas
            self._save()

    def served_by(self, hostname: str) -> str | None:
        """The id of the deployment ``hostname`` points at (a split's heaviest), if any."""
        served: str | None = served_by(self.state, hostname)
        return served

    async def reload(self) -> None:
        """Rebuild the hostname links and load the whole configuration from :attr:`state`."""
        async with self._lock:
            self.tree.write_all(self.state)
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))
            for deployment in self.state.deployments.values():
                self.tree.prune_markers(deployment)

    # -- a hostname's options, files only (see edge_hostname_options) -----------

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin ``hostname``'s requests to their deployment within ``seconds`` (0: never)."""
        await self.options.skew_protection(hostname, seconds)

    async def expire_pins(self) -> None:
        """Remove the pins whose skew window has ended (and the records nobody needs)."""
        await self.options.expire_pins()

    async def protect(self, hostname: str, protected: bool) -> None:
        """Whether ``hostname``'s requests pass the control plane's check: one rename."""
        await self.options.protect(hostname, protected)

    async def redirect(self, hostname: str, status: int, target: str) -> None:
        """Redirect every request for ``hostname`` to ``target`` with ``status``; no reload."""
        await self.options.redirect(hostname, status, target)

    async def unredirect(self, hostname: str) -> None:
        """Stop redirecting ``hostname``."""
        await self.options.unredirect(hostname)

    async def serve_https(self, hostname: str, enabled: bool) -> None:
        """Whether plain HTTP requests for ``hostname`` redirect to HTTPS (it has a certificate)."""
        await self.options.serve_https(hostname, enabled)

    # -- files ----------------------------------------------------------------

    def _save(self) -> None:
        self.state.save(self.state_path)

    def _forget(self, deployment_id: str, previous: EdgeDeployment | None) -> None:
        """Put back what :meth:`deploy` replaced (``previous``, or nothing)."""
        if previous is None:
            self.state.deployments.pop(deployment_id, None)
            shutil.rmtree(self.deployments_dir / deployment_id, ignore_errors=True)
        else:
            self.state.deployments[deployment_id] = previous
            self.tree.write_deployment(previous)
        self._save()

    async def _apply_profiles(self) -> None:
        """Replace the profiles subroute (one call); load everything if Caddy refuses."""
        handler = profiles_handler(self.hosts_dir, self.deployments_dir, self.state)
        try:
            await self._admin.request("PATCH", f"/id/{PROFILES_ID}", handler)
        except EdgeError as error:
            logger.warning("edge change failed (%s); loading the whole configuration", error)
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))
