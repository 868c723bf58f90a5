"""The local edge (``local``): the embedded Caddy behind the core's ``Edge`` interface.

It shares one :class:`autostack_plugins.providers.local.edge.Edge` (the Caddy
and its state) with the local runtime, which puts a release on that Caddy and
hands out :func:`endpoint_of` it. It also binds the ``http(s)://`` endpoints of
runtimes that serve elsewhere (Cloud Run, ACI): the edge proxies to them
(:mod:`autostack_plugins.providers.local.edge_remote`). Binding changes files,
never Caddy's configuration:

* one target (or one with a positive weight) is an alias: ``hosts/<hostname>``
  links to the deployment;
* several are a weighted split, sticky per visitor through a cookie
  (:mod:`autostack_plugins.providers.local.edge_splits`);
* a redirect is a file naming its status and target
  (:mod:`autostack_plugins.providers.local.edge_tls`).

Certificates are issued on demand by Caddy (ACME, or the base domain's
wildcard certificate); :meth:`LocalEdge.certificate` probes what the edge
serves and, once a hostname has its certificate, makes plain HTTP requests for
it redirect to HTTPS, which :meth:`LocalEdge.public_url` then gives out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from autostack_core.interfaces.edge import (
    Certificate,
    CertificateStatus,
    Protection,
    TrafficCount,
    WeightedEndpoint,
)
from autostack_core.interfaces.runtime import Endpoint
from autostack_plugins.providers.local import edge_protection
from autostack_plugins.providers.local.certificates import certificate_state
from autostack_plugins.providers.local.edge import Edge, EdgeDeployment, EdgeError
from autostack_plugins.providers.local.edge_remote import is_remote, remote_deployment
from autostack_plugins.providers.local.edge_splits import bucket_owners
from autostack_plugins.providers.local.edge_state import check_hostname
from autostack_plugins.providers.local.edge_traffic import count_requests

SCHEME = "local://"


def endpoint_of(release_id: str) -> Endpoint:
    """The endpoint of a release the local runtime put on the edge: ``local://<id>``."""
    return Endpoint(release_id=release_id, url=f"{SCHEME}{release_id}")


def release_of(endpoint: Endpoint) -> str:
    """The deployment id of a local endpoint; :class:`EdgeError` for any other endpoint."""
    if endpoint.url != f"{SCHEME}{endpoint.release_id}":
        raise EdgeError(f"the local edge serves only the local runtime's releases and "
                        f"http(s) endpoints, not {endpoint.url!r} (release {endpoint.release_id})")
    return endpoint.release_id


class LocalEdge:
    """Hostnames, weights, redirects and certificates on the embedded Caddy."""

    name = "local"

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.settings = edge.settings

    async def start(self) -> None:
        """Start Caddy, or re-adopt the one a previous run left serving."""
        await self.edge.start()

    async def stop(self) -> None:
        """Stop Caddy, unless ``keep_apps_running`` (the service's setting) keeps it serving."""
        if not self.settings.keep_apps_running:
            await self.edge.stop()

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Serve ``hostname`` from ``targets``: an alias, or a split by weight (0: no traffic).

        Replaces the hostname's binding or redirect in one rename. Raises
        :class:`EdgeError`, changing nothing, for an endpoint of another runtime,
        a release not on the edge, or weights that send traffic nowhere. An
        ``http(s)://`` endpoint (Cloud Run, ACI) is first put on the edge as a
        remote release (:mod:`.edge_remote`), which is then bound like a local one.
        """
        await self.bind_many({hostname: targets})

    async def bind_many(self, bindings: Mapping[str, Sequence[WeightedEndpoint]]) -> None:
        """:meth:`bind` for several hostnames, saved in one write of the edge's state
        (:meth:`.edge.Edge.bind_many`); a refusal for one changes none of them."""
        idle = self._idle_remote()
        weights_of: dict[str, dict[str, int]] = {}
        remote: dict[str, EdgeDeployment] = {}
        for hostname, targets in bindings.items():
            weights = weights_of[hostname] = {}
            for target in targets:
                if target.weight < 0:
                    raise EdgeError(f"{hostname}: a weight cannot be negative ({target.weight})")
                if is_remote(target.endpoint):
                    deployment = self._remote(target.endpoint)
                    remote[deployment.id] = deployment
                    release = deployment.id
                else:
                    release = release_of(target.endpoint)
                weights[release] = weights.get(release, 0) + target.weight
            try:  # weights sending traffic nowhere change nothing, not even a remote release
                bucket_owners(weights)
            except ValueError as error:
                raise EdgeError(f"cannot split {hostname}: {error}") from error
        for deployment in remote.values():
            if self.edge.state.deployments.get(deployment.id) != deployment:
                await self.edge.deploy(deployment)
        await self.edge.bind_many(weights_of)
        for hostname in weights_of:
            await self.edge.unredirect(hostname)
        await self._forget_remote(idle)

    def _remote(self, endpoint: Endpoint) -> EdgeDeployment:
        """The remote release for ``endpoint``; an :class:`EdgeError` if its id is a local one."""
        deployment = remote_deployment(self.settings, endpoint)
        served = self.edge.state.deployments.get(deployment.id)
        if served is not None and not served.remote:
            raise EdgeError(f"release {deployment.id} is served by this machine, not at "
                            f"{endpoint.url!r}")
        return deployment

    def _idle_remote(self) -> set[str]:
        """The remote releases no hostname sends traffic to, nor may pin a request to."""
        state = self.edge.state
        now = time.time()
        pinned = {pin for hostname in state.skew for pin in state.pins(hostname, now)}
        return {deployment.id for deployment in state.deployments.values()
                if deployment.remote and not state.in_use(deployment.id)
                and deployment.id not in pinned}

    async def _forget_remote(self, idle_before: set[str]) -> None:
        """Take off the edge the remote releases idle since before the change that calls this:
        a request that found one before the previous change has long been answered."""
        for deployment_id in idle_before & self._idle_remote():
            await self.edge.remove(deployment_id)

    async def unbind(self, hostname: str) -> None:
        """Stop serving ``hostname``: its binding, its redirect, its HTTPS redirect."""
        idle = self._idle_remote()
        await self.edge.unalias(hostname)
        await self.edge.unredirect(hostname)
        await self.edge.serve_https(hostname, False)
        await self._forget_remote(idle)

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        """Redirect ``hostname`` to the hostname ``target`` (path and query kept), not serve it."""
        try:
            await self.edge.redirect(hostname, status, target)
        except ValueError as error:
            raise EdgeError(str(error)) from error
        await self.edge.unalias(hostname)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        """Protect ``hostname`` (a flag of its marker, no reload): see :mod:`.edge_protection`."""
        if protection is not None:
            edge_protection.check_control_plane(self.settings, protection)
        await self.edge.protect(hostname, protection is not None)

    async def certificate(self, hostname: str) -> Certificate:
        """Probe the edge's HTTPS port for ``hostname``, which starts issuance when none exists.

        Once a certificate is served, plain HTTP requests for ``hostname``
        redirect to HTTPS; while none is, they are answered as HTTP.
        """
        log = self.settings.path("logs", "edge-tls.log")
        certificate: Certificate = await asyncio.to_thread(
            certificate_state, hostname, self.settings.edge_https_port, log)
        await self.edge.serve_https(hostname, certificate.status == CertificateStatus.ISSUED)
        return certificate

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin ``hostname``'s requests to their deployment within ``seconds`` of it being
        unbound (0: never): links under ``skew/``, no reload (see :mod:`.edge_skew`)."""
        await self.edge.skew_protection(hostname, seconds)

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        """Requests for ``hostname`` since ``since`` by deployment, from the edge's access log."""
        return await asyncio.to_thread(count_requests, self.settings.path("logs"),
                                       check_hostname(hostname), since)

    def public_url(self, hostname: str) -> str:
        """``https://`` once ``hostname`` has its certificate here, else ``http://``; the
        edge's port unless it is the scheme's default."""
        hostname = hostname.lower()
        if hostname in self.edge.state.https:
            port = self.settings.edge_https_port
            return f"https://{hostname}" + ("" if port == 443 else f":{port}")
        port = self.settings.edge_port
        return f"http://{hostname}" + ("" if port == 80 else f":{port}")
