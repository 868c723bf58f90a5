"""The edge's HTTPS, domain redirects and ownership challenges, as Caddy JSON.

Pure functions, no I/O; :func:`add_tls` adds them to the configuration
:func:`autostack_plugins.providers.local.edge.caddy_config` builds. Like hostnames, nothing here
names a domain, so adding, verifying and removing a domain never changes the
configuration (every admin API change reloads Caddy and resets waiting
connections):

* one server listens on the HTTP port and the HTTPS port; Caddy enables TLS
  on every listener but ``http_port``;
* certificates are issued **on demand** during the first TLS handshake for a
  name, after Caddy asks the control plane (``GET /api/v1/edge/ask?domain=``)
  whether the name is a verified domain or an AutoStack hostname;
  ``localhost`` and ``*.localhost`` get certificates from Caddy's internal CA,
  everything else from the configured ACME directory (Let's Encrypt by
  default, ``zerossl`` for ZeroSSL's, or any URL); renewals are Caddy's;
* ``<data>/edge/https/<hostname>`` (an empty marker, written once the
  hostname has a certificate) makes plain HTTP requests redirect to HTTPS;
* ``<data>/edge/redirects/<hostname>/<status>-<target>`` (an empty file)
  makes every request for the hostname redirect to ``target`` with ``status``:
  the status and the target are read from the file's name;
* ``/.well-known/autostack-challenge/<token>`` on any hostname goes to the
  control plane, which answers the token of a domain being verified.

ACME's own HTTP-01 challenges (``/.well-known/acme-challenge/``) are answered
by Caddy before any route, on the HTTP port.

With a DNS provider configured, the base domain's wildcard certificate
(obtained by :mod:`autostack_plugins.providers.local.wildcard_certificate`, as Caddy's stock
build has no DNS modules) is ``<data>/edge/wildcard/certificate.pem``. An
automation policy for ``*.<base>`` and ``<base>`` gets it during each
handshake from a ``get_certificate`` HTTP manager, whose URL is the edge's own
HTTP port on the loopback with a secret key: the first route of the edge's
server answers it (from the loopback only, never in the access log) with that
one file, or 204 while there is none, so per-hostname issuance carries on.
Caddy does not cache what a manager returns, so replacing the file (one
rename) is a renewal: no configuration change, no reload.

Why the edge's own port: the manager fetches its URL with Go's default HTTP
client, which dials TCP only (no unix socket), and a second loopback port
picked by the control plane could be taken by another program between the
pick and Caddy's bind, which would then be handed the key and answer the
handshakes' certificate. The edge's port is bound by Caddy itself, and
Caddy fails to start without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.edge import REDIRECT_STATUSES

JSON = dict[str, Any]

TLS_LOGGER = "tls"
ACME_CHALLENGE_PATH = "/.well-known/acme-challenge/*"
OWNERSHIP_CHALLENGE_PATH = "/.well-known/autostack-challenge/*"
INTERNAL_SUBJECTS = ["localhost", "*.localhost"]
WILDCARD_PATH = "/.well-known/autostack-wildcard-certificate"
WILDCARD_FILE = "certificate.pem"
LOOPBACK = ["127.0.0.1/32", "::1/128"]


@dataclass(frozen=True)
class WildcardEndpoint:
    """Where Caddy's handshakes fetch the wildcard certificate: the edge's HTTP port on the
    loopback, and a secret key."""

    port: int
    key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WILDCARD_PATH}?key={self.key}"


def wildcard_names(settings: Settings) -> list[str]:
    """The names of the base domain's wildcard certificate."""
    return [f"*.{settings.base_domain}", settings.base_domain]


def wildcard_file(settings: Settings) -> Path:
    """The wildcard certificate's chain and key, as Caddy's manager endpoint serves them."""
    return settings.path("edge", "wildcard", WILDCARD_FILE)


def control_plane_address(settings: Settings) -> str:
    """Where the edge reaches the control plane (the loopback when it listens everywhere)."""
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::") else settings.host
    return f"{host}:{settings.port}"


def acme_issuer(settings: Settings) -> JSON:
    """The ACME issuer of ``settings.acme_ca`` (``zerossl`` names ZeroSSL's directory).

    ZeroSSL needs an account e-mail (``AUTOSTACK_ACME_EMAIL``): Caddy gets the
    external account binding from it. TLS-ALPN is off: the HTTPS port may not be
    443, while HTTP-01 always reaches the edge's HTTP port.
    """
    issuer: JSON = {"module": "acme", "ca": settings.acme_directory,
                    "challenges": {"tls-alpn": {"disabled": True}}}
    if settings.acme_ca_root:
        issuer["trusted_roots_pem_files"] = [settings.acme_ca_root]
    if settings.acme_email:
        issuer["email"] = settings.acme_email
    return issuer


def wildcard_policy(settings: Settings, endpoint: WildcardEndpoint) -> JSON:
    """``*.<base>`` and ``<base>``: the wildcard certificate, else on-demand issuance."""
    return {"subjects": wildcard_names(settings),
            "get_certificate": [{"via": "http", "url": endpoint.url}],
            "issuers": [acme_issuer(settings)], "on_demand": True}


def wildcard_routes(settings: Settings, endpoint: WildcardEndpoint) -> list[JSON]:
    """The edge's first routes, answering the manager: the file, or 204 without one.

    Only ``127.0.0.1`` as the host, from the loopback, with the key; any other
    request (a wrong key included) goes on to the sites. ``log_skip``: the key
    stays out of the access log.
    """
    folder = str(wildcard_file(settings).parent)
    asked = {"host": ["127.0.0.1"], "remote_ip": {"ranges": LOOPBACK},
             "path": [WILDCARD_PATH], "query": {"key": [endpoint.key]}}
    present = {"root": folder, "try_files": [f"/{WILDCARD_FILE}"]}
    unlogged = {"handler": "vars", "log_skip": True}
    return [
        {"match": [{**asked, "file": present}],
         "handle": [unlogged, {"handler": "rewrite", "uri": f"/{WILDCARD_FILE}"},
                    {"handler": "file_server", "root": folder}], "terminal": True},
        {"match": [asked], "handle": [unlogged, {"handler": "static_response",
                                                 "status_code": 204}], "terminal": True},
    ]


def tls_app(settings: Settings, wildcard: WildcardEndpoint | None = None) -> JSON:
    """On-demand certificates, allowed per name by the control plane's ``ask`` endpoint."""
    ask = f"http://{control_plane_address(settings)}/api/v1/edge/ask"
    policies: list[JSON] = [
        {"subjects": INTERNAL_SUBJECTS, "issuers": [{"module": "internal"}], "on_demand": True},
        {"issuers": [acme_issuer(settings)], "on_demand": True},
    ]
    if wildcard is not None:
        policies.insert(1, wildcard_policy(settings, wildcard))
    return {"automation": {
        "on_demand": {"permission": {"module": "http", "endpoint": ask}},
        "policies": policies,
    }}


def https_redirect_route(https_dir: Path, https_port: int) -> JSON:
    """Plain HTTP to a hostname with a certificate redirects to HTTPS (308, method kept)."""
    port = "" if https_port == 443 else f":{https_port}"
    location = f"https://{{http.request.host}}{port}{{http.request.uri}}"
    return {
        "match": [{
            "protocol": "http",
            "file": {"root": str(https_dir), "try_files": ["/{http.request.host}"]},
            "not": [{"path": [ACME_CHALLENGE_PATH, OWNERSHIP_CHALLENGE_PATH]}],
        }],
        "handle": [{"handler": "static_response", "status_code": 308,
                    "headers": {"Location": [location]}}],
        "terminal": True,
    }


def ownership_challenge_route(settings: Settings) -> JSON:
    """``/.well-known/autostack-challenge/<token>`` on any hostname, answered by the API."""
    return {
        "match": [{"path": [OWNERSHIP_CHALLENGE_PATH]}],
        "handle": [{"handler": "reverse_proxy",
                    "upstreams": [{"dial": control_plane_address(settings)}]}],
        "terminal": True,
    }


def domain_redirect_route(redirects_dir: Path) -> JSON:
    """Redirect a hostname whose folder holds ``<status>-<target>`` (path and query kept)."""
    marker = {"root": str(redirects_dir), "try_files": ["/{http.request.host}/*-*"]}
    parts = {"vars_regexp": {"{http.matchers.file.relative}": {
        "name": "redirect", "pattern": "/([0-9]{3})-([a-z0-9.-]+)$"}}}
    location = "{http.request.scheme}://{http.regexp.redirect.2}{http.request.uri}"
    response = {"handler": "static_response", "status_code": "{http.regexp.redirect.1}",
                "headers": {"Location": [location]}}
    return {"match": [{"file": marker}], "handle": [{"handler": "subroute", "routes": [
        {"match": [parts], "handle": [response], "terminal": True}]}], "terminal": True}


def redirect_file(status: int, target: str) -> str:
    """The name of the file that makes a hostname redirect to ``target``."""
    if status not in REDIRECT_STATUSES:
        raise ValueError(f"redirect status must be one of {REDIRECT_STATUSES}")
    return f"{status}-{target}"


def add_tls(config: JSON, settings: Settings, wildcard: WildcardEndpoint | None = None) -> JSON:
    """Add the HTTPS listener, on-demand TLS, and the routes above to ``config`` (in place).

    ``wildcard``: serve the base domain's wildcard certificate through that endpoint.
    """
    http = config["apps"]["http"]
    http.update(http_port=settings.edge_port, https_port=settings.edge_https_port)
    server = next(iter(http["servers"].values()))
    listen = server["listen"][0].rsplit(":", 1)[0]
    server["listen"].append(f"{listen}:{settings.edge_https_port}")
    server["tls_connection_policies"] = [{}]
    edge_dir = settings.path("edge")
    server["routes"][:0] = [
        *(wildcard_routes(settings, wildcard) if wildcard is not None else []),
        https_redirect_route(edge_dir / "https", settings.edge_https_port),
        ownership_challenge_route(settings),
        domain_redirect_route(edge_dir / "redirects"),
    ]
    config["apps"]["tls"] = tls_app(settings, wildcard)
    # The internal CA must not try to install its root into the system trust store.
    config["apps"]["pki"] = {"certificate_authorities": {"local": {"install_trust": False}}}
    config["logging"]["logs"][TLS_LOGGER] = {
        "writer": {"output": "file", "filename": str(settings.path("logs", "edge-tls.log")),
                   "roll_size_mb": 10, "roll_keep": 3},
        "encoder": {"format": "json"},
        "include": ["tls"],
    }
    return config
