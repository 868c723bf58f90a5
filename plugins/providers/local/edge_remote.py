"""Releases served elsewhere (Cloud Run, ACI) behind the local edge: a reverse proxy per request.

A remote runtime hands out an ``http(s)://host[:port]`` endpoint (a Cloud Run
revision's tagged URL, an ACI container group's FQDN and port). Binding a
hostname to it puts a *remote deployment* on the edge, an
:class:`~autostack_plugins.providers.local.edge_state.EdgeDeployment` with
``remote`` set to the endpoint's scheme: aliases, weighted splits (ACI has no
traffic split of its own: the edge's buckets do it), protection and skew pins
then work as for a local release, because they only link to its folder.

Like a local replica's port, the upstream is a file, never configuration: the
folder ``deployments/<id>/`` holds one empty file ``remote@<host>@<dial host>@<dial
port>``. There is one Caddy route per scheme (``remote-http``, ``remote-https``),
so a new remote release is a few files and a link, no reload. The route proxies
to the dial address with ``Host`` (and, over HTTPS, the TLS server name) set to
the endpoint's host, which is what Cloud Run's and ACI's front ends route by.

A remote release no hostname sends traffic to (or may pin a request to, within
a skew window) is taken off the edge at the second binding change after it
became idle (:meth:`.LocalEdge.bind`, ``unbind``), so a request in flight
never finds its folder gone.

The dial address is the endpoint's own host and port unless
``AUTOSTACK_EDGE_RESOLVE`` maps it (``host=address:port,...``, like curl's
``--resolve``; ``*.a.run.app=address:port`` maps every name under a domain, as
a new release's endpoint is not known before it is deployed): split-horizon
DNS, a private address of the same group, or the loopback stand-ins the tests
run. An exact name wins over a wildcard, a longer wildcard over a shorter one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import Endpoint
from autostack_plugins.providers.local.edge_state import (
    HOSTNAME_PATTERN,
    EdgeDeployment,
    EdgeError,
)

JSON = dict[str, object]
RESOLVE = "AUTOSTACK_EDGE_RESOLVE"
"""``host=address:port`` pairs, comma-separated: where the edge dials a remote endpoint's host."""
PREFIX = "remote@"
SCHEMES = {"http": 80, "https": 443}
UPSTREAM = "{http.regexp.remote.1}"
PROXY_TRY_SECONDS = 5
"""How long a request waits for a remote release that refuses connections (a cold start)."""


def is_remote(endpoint: Endpoint) -> bool:
    """Whether ``endpoint`` is an ``http(s)://`` URL the edge proxies to."""
    return urlsplit(endpoint.url).scheme in SCHEMES


def resolved(settings: Settings) -> dict[str, tuple[str, int]]:
    """``AUTOSTACK_EDGE_RESOLVE`` read: ``{host or *.domain: (address, port)}``; an entry it
    cannot read is an :class:`EdgeError` naming the setting."""
    found: dict[str, tuple[str, int]] = {}
    for entry in filter(None, (settings.plugin_setting(RESOLVE, "") or "").split(",")):
        match = re.fullmatch(
            r"\s*((?:\*\.)?[A-Za-z0-9.-]+)=([A-Za-z0-9.-]+):([0-9]{1,5})\s*", entry)
        if match is None:
            raise EdgeError(f"{RESOLVE}: {entry!r} is not host=address:port")
        found[match[1].lower()] = (match[2], int(match[3]))
    return found


def dial_address(settings: Settings, host: str, port: int) -> tuple[str, int]:
    """Where the edge dials ``host``: its ``AUTOSTACK_EDGE_RESOLVE`` entry (the exact name,
    else the longest ``*.domain`` above it), else ``host`` and ``port`` themselves."""
    entries = resolved(settings)
    if host in entries:
        return entries[host]
    labels = host.split(".")
    for start in range(1, len(labels)):
        wildcard = "*." + ".".join(labels[start:])
        if wildcard in entries:
            return entries[wildcard]
    return host, port


def upstream_file(settings: Settings, url: str) -> str:
    """The name of the file that says where to proxy ``url``'s requests (see the module)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in SCHEMES or not re.fullmatch(HOSTNAME_PATTERN, host):
        raise EdgeError(f"the edge cannot proxy to {url!r}: an http(s) URL with a host name "
                        "or IPv4 address is needed")
    address, port = dial_address(settings, host, parts.port or SCHEMES[parts.scheme])
    return f"{PREFIX}{host}@{address}@{port}"


def remote_deployment(settings: Settings, endpoint: Endpoint) -> EdgeDeployment:
    """The edge's record of a remote release: no files, no hostnames of its own."""
    upstream_file(settings, endpoint.url)  # refuses what it cannot proxy, before any change
    return EdgeDeployment(id=endpoint.release_id, root=str(settings.path("edge", "remote")),
                          hostnames=[], remote=endpoint.url)


def remote_route(deployments_dir: str, scheme: str, site: str) -> JSON:
    """The handler list of the profile serving a remote release over ``scheme``."""
    upstream = {"root": deployments_dir, "try_files": [f"/{site}/{PREFIX}*"]}
    parts = {"vars_regexp": {"{http.matchers.file.relative}": {
        "name": "remote", "pattern": f"/{PREFIX}([^@]+)@([^@]+)@([0-9]+)$"}}}
    proxy: JSON = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": "{http.regexp.remote.2}:{http.regexp.remote.3}"}],
        "headers": {"request": {"set": {"Host": [UPSTREAM]}}},
        "load_balancing": {"try_duration": f"{PROXY_TRY_SECONDS}s", "try_interval": "100ms"},
    }
    if scheme == "https":
        proxy["transport"] = {"protocol": "http", "tls": {"server_name": UPSTREAM}}
    # The file matcher sets what ``parts`` reads: they cannot share a matcher set.
    return {"handler": "subroute", "routes": [
        {"match": [{"file": upstream}], "handle": [{"handler": "subroute", "routes": [
            {"match": [parts], "handle": [proxy]}]}], "terminal": True}]}


def endpoint_scheme(deployment: EdgeDeployment) -> str:
    """``http`` or ``https``: the remote deployment's scheme (empty for a local one)."""
    return urlsplit(deployment.remote).scheme if deployment.remote else ""
