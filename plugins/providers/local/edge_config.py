"""The local edge's whole Caddy configuration, as a function of its state; pure, no I/O.

No hostname, port or weight appears in it (see
:mod:`autostack_plugins.providers.local.edge`): one glob finds the marker
``profile-<hash>.<id>`` under ``hosts/{http.request.host}/`` (one directory
read, however many profiles exist), its hash picks the route ``profile-<hash>``
and its id is captured as ``{http.regexp.site.1}`` (a server app's ports, which
end the marker's name, as ``{http.regexp.site.2}``-``{http.regexp.site.17}``),
so everything the request reads afterwards is under ``deployments/<id>/``, and a
server app's request reads nothing more: a request is pinned to the
deployment it was routed to, however the hostname's link moves meanwhile. A
split hostname's marker is ``profile-split`` (:mod:`.edge_splits`). A hostname's
flags end its marker's name (``~p``: protected, ``~s``: a skew window, see
:mod:`.edge_state`), so the same lookup tells whether the request must pass the
protection check (:mod:`.edge_protection`) and may be pinned (:mod:`.edge_skew`);
a hostname with neither pays for nothing else. A final catch-all answers
AutoStack's 404 page for unknown hosts.

Caddy's file matcher globs, then stats what the glob found, both through the
hostname's link: a request that globs just before an alias move and stats just
after finds no marker. So the hosted route is a named route, invoked twice: a
request the first try left unanswered is tried again (two moves of one hostname
within microseconds would be needed to miss twice), and only then gets the 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autostack_core.config import Settings
from autostack_core.security.log_redaction import MASK, SECRET_PARAMETERS
from autostack_plugins.providers.local.edge_forms import (
    FORMS_ROUTE,
    forms_named_route,
    forms_route,
)
from autostack_plugins.providers.local.edge_images import image_handler
from autostack_plugins.providers.local.edge_insights import insights_handler
from autostack_plugins.providers.local.edge_middleware import (
    MIDDLEWARE_RUNTIME,
    middleware_proxy,
)
from autostack_plugins.providers.local.edge_protection import protection_route
from autostack_plugins.providers.local.edge_rate_limits import rate_limit_handler
from autostack_plugins.providers.local.edge_remote import endpoint_scheme, remote_route
from autostack_plugins.providers.local.edge_routes import (
    deployment_handler,
    html_response,
    not_found_page,
)
from autostack_plugins.providers.local.edge_skew import pin_routes
from autostack_plugins.providers.local.edge_splits import split_route
from autostack_plugins.providers.local.edge_state import (
    FLAGGED_MARKER,
    HOSTNAME_PATTERN,
    MARKER_PORTS,
    PORTS_MARK,
    SLOTS,
    EdgeDeployment,
    EdgeState,
)
from autostack_plugins.providers.local.edge_tls import WildcardEndpoint, add_tls

JSON = dict[str, Any]
SERVER = "autostack"
ACCESS_LOGGER = "access"
PROFILES_ID = "profiles"
CATCH_ALL_ID = "unknown-host"
HOSTED_ROUTE = "hosted"
SKEW_FOLDER = "skew"
"""``<data>/edge/skew/``, beside ``hosts/``: the deployments each hostname may pin to."""
PROXY_TRY_SECONDS = 30
SITE = "{http.regexp.site.1}"
DEPLOYMENT_FIELD = "deployment"
"""The access log field naming the deployment that answered (see ``edge_traffic``)."""
FUNCTION_FIELD = "fn"
"""The access log field (always ``"1"``) of a request a function or server app answered."""
"""The id of the deployment a request was routed to (captured from its marker's name)."""


def proxy_route(deployments_dir: Path, program: str, extra: JSON | None = None,
                goes_on: bool = False) -> JSON:
    """A catch-all route proxying to the function ``program``'s slot of the request's
    deployment (a server app's is :func:`server_route`).

    ``extra`` are more fields of the ``reverse_proxy`` handler. With
    ``goes_on`` (a middleware call) the proxy is the last handler of every
    route list it is in and no route is terminal (a terminal route would end
    the whole request there), so routing goes on after it when its
    ``handle_response`` routes write nothing. Otherwise a proxied request is a
    function invocation: its access-log line gets :data:`FUNCTION_FIELD`.
    """
    slot_file = {"root": str(deployments_dir),
                 "try_files": [f"/{SITE}/up-{program}-{{http.vars.autostack_slot}}-*"]}
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": "127.0.0.1:{http.regexp.upstream.1}"}],
        "load_balancing": {"try_duration": f"{PROXY_TRY_SECONDS}s", "try_interval": "50ms"},
        **(extra or {}),
    }
    port = {"vars_regexp": {"{http.matchers.file.relative}":
                            {"name": "upstream", "pattern": "-([0-9]+)$"}}}
    page = not_found_page("503: Not running", "This deployment is not running right now.")
    not_running: JSON = {"handle": [html_response(503, page)], "terminal": True}
    if goes_on:
        return {"handle": [{"handler": "subroute", "routes": [
            {"match": [{"not": [{"file": slot_file}]}], **not_running},
            {"match": [{"file": slot_file}], "handle": [{"handler": "subroute", "routes": [
                {"match": [{"not": [port]}], **not_running},
                {"match": [port], "handle": [proxy]}]}]},
        ]}]}
    invocation = {"handler": "log_append", "key": FUNCTION_FIELD, "value": "1"}
    return {"handle": [{"handler": "subroute", "routes": [
        {"match": [{"file": slot_file}], "handle": [{"handler": "subroute", "routes": [
            {"match": [port], "handle": [invocation, proxy], "terminal": True}]}],
         "terminal": True},
        not_running,
    ]}], "terminal": True}


INTERNAL_ORIGINS = ("http://localhost", "http://127.0.0.1", "https://localhost",
                    "https://127.0.0.1")
"""How a server app may name its own listener (``HOST`` is 127.0.0.1; Next.js says localhost,
with https when ``X-Forwarded-Proto`` is)."""


def public_redirects() -> JSON:
    """``reverse_proxy`` fields that make a server app's redirects to its own internal address
    relative, so they stay on the hostname the visitor asked for (nginx's ``proxy_redirect
    default``).

    A server app learns the public host only from ``Host`` and ``X-Forwarded-Host``; some
    build absolute URLs from their listener instead (Next.js 15's middleware:
    ``NextResponse.redirect(new URL('/', request.url))`` answered
    ``Location: http://localhost:<port>/``). Only the replica's own port (the upstream's,
    the same inside its network namespace) is rewritten: a redirect to a loopback
    address of the visitor's machine (a CLI's login callback) is left alone.
    """
    port = "{http.reverse_proxy.upstream.port}"
    return {"headers": {"response": {"replace": {"Location": [
        {"search": f"{origin}:{port}/", "replace": "/"} for origin in INTERNAL_ORIGINS]}}}}


IDLE_UPSTREAM_CONNECTIONS = 1024
"""Idle keep-alive connections a server app's proxy keeps per replica. Caddy's default, 32,
is fewer than the connections a busy app has in flight: under ``wrk -c50`` Caddy opened
1,000-1,500 new upstream connections in 4 s with it, none with 1024 (``bench/README.md``)."""
PORT_GROUPS = "".join(f"{',' if slot else PORTS_MARK}([0-9]+)" for slot in range(len(SLOTS)))
"""The 16 slot ports that end a server app's marker (before its flags), captured as
``{http.regexp.site.2}`` to ``{http.regexp.site.17}``."""


def server_route(extra: JSON) -> JSON:
    """A catch-all route proxying to the request's deployment's server app, whose ports
    its marker named (see :data:`.edge_state.SERVER_PROGRAM`): no file is read.

    Each of the 16 slot ports is an upstream, one picked at random per request:
    the replicas share the load as they share the slots. Connections are kept
    alive per port, so once a replica is replaced (another port), new requests
    no longer reuse the old one's connections. A marker without ports (no
    replica has started yet) gets the 503 page. ``extra`` are more fields of
    the ``reverse_proxy`` handler.
    """
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": f"127.0.0.1:{{http.regexp.site.{group}}}"}
                      for group in range(2, 2 + len(SLOTS))],
        "load_balancing": {"selection_policy": {"policy": "random"},
                           "try_duration": f"{PROXY_TRY_SECONDS}s", "try_interval": "50ms"},
        "transport": {"protocol": "http",
                      "keep_alive": {"max_idle_conns_per_host": IDLE_UPSTREAM_CONNECTIONS}},
        **extra,
    }
    page = not_found_page("503: Not running", "This deployment is not running right now.")
    invocation = {"handler": "log_append", "key": FUNCTION_FIELD, "value": "1"}
    return {"handle": [{"handler": "subroute", "routes": [
        {"match": [{"vars": {"{http.regexp.site.2}": [""]}}],
         "handle": [html_response(503, page)], "terminal": True},
        {"handle": [invocation, proxy], "terminal": True},
    ]}], "terminal": True}


def function_route(deployments_dir: Path, runtime: str) -> JSON:
    """Requests for a function of ``runtime`` go to the deployment's worker for it."""
    marker = {"root": str(deployments_dir),
              "try_files": [f"/{SITE}/fn/{runtime}{{http.request.uri.path}}.func"]}
    # Only the edge, never a visitor, asks the edge worker for a middleware call.
    internal = {"headers": {"request": {"delete": ["X-Autostack-Middleware"]}}}
    route = proxy_route(deployments_dir, f"fn-{runtime}",
                        internal if runtime == MIDDLEWARE_RUNTIME else None)
    # Two file matchers cannot share a matcher set: check the marker in an outer route.
    return {"match": [{"file": marker}], "handle": [{"handler": "subroute", "routes": [route]}],
            "terminal": True}


def profile_route(deployments_dir: Path, deployment: EdgeDeployment) -> JSON:
    """The route ``profile-<hash>``: requests whose deployment has these routes (or, for a
    release another runtime serves, the proxy to it: :mod:`.edge_remote`)."""
    ports = f"(?:{PORT_GROUPS})?" if deployment.server else MARKER_PORTS
    marker = {"{http.matchers.file.relative}": {
        "name": "site",
        "pattern": f"/profile-{deployment.profile}\\.([A-Za-z0-9_-]+){ports}"
                   f"({FLAGGED_MARKER}[a-z]+)?$"}}
    if deployment.remote:
        return {"@id": f"profile-{deployment.profile}", "match": [{"vars_regexp": marker}],
                "handle": [{"handler": "log_append", "key": DEPLOYMENT_FIELD, "value": SITE},
                           remote_route(str(deployments_dir), endpoint_scheme(deployment), SITE)],
                "terminal": True}
    root = f"{deployments_dir}/{SITE}/static"
    functions = [function_route(deployments_dir, runtime)
                 for runtime in sorted(deployment.functions)]
    server = server_route(public_redirects()) if deployment.server else None

    def middleware(path: str) -> JSON:
        return proxy_route(deployments_dir, f"fn-{MIDDLEWARE_RUNTIME}", middleware_proxy(path),
                           goes_on=True)

    handler, _ = deployment_handler(
        root, deployment.config, has_404_page=deployment.has_404_page, functions=functions,
        server=server,
        middleware=middleware if MIDDLEWARE_RUNTIME in deployment.functions else None)
    routes: list[JSON] = []
    if functions:
        # A random slot per request (the last hex digit of its UUID) spreads the replicas.
        slot = {"vars_regexp": {"{http.request.uuid}": {"name": "slot", "pattern": "([0-9a-f])$"}}}
        routes.append({"match": [slot], "handle": [
            {"handler": "vars", "autostack_slot": "{http.regexp.slot.1}"}]})
    if not any(deployment.functions.values()) and server is None:
        # Nothing of a static deployment (middleware aside) takes a post: its form posts
        # are Netlify forms.
        routes.append(forms_route())
    handle = [{"handler": "subroute", "routes": [*routes, {"handle": [handler]}]}]
    # The marker was found by :func:`hosted_route` (or the split route); its name picks the
    # profile and names the deployment.
    # The access log names the deployment that answered (split tests count per variant).
    handle = [{"handler": "log_append", "key": DEPLOYMENT_FIELD, "value": SITE}, *handle]
    return {"@id": f"profile-{deployment.profile}", "match": [{"vars_regexp": marker}],
            "handle": handle, "terminal": True}


def profiles_handler(hosts_dir: Path, deployments_dir: Path, state: EdgeState) -> JSON:
    """The subroute ``profiles``: the split route, then one route per profile."""
    routes = [profile_route(deployments_dir, deployment)
              for deployment in state.profiles().values()]
    return {"@id": PROFILES_ID, "handler": "subroute",
            "routes": [split_route(hosts_dir), *routes]}


def hosted_route(settings: Settings, state: EdgeState) -> JSON:
    """Requests for a hostname that has a deployment, handed to its deployment's profile.

    One directory read finds the deployment's ``profile-<hash>.<id>`` marker, however
    many profiles exist (a ``stat`` per profile cost 5 us each per request). A
    protected hostname's request then passes the check, and a request pinned to
    another deployment the hostname may serve finds that one's marker (:mod:`.edge_skew`).
    While an edge rate limit is set, every request first passes its check
    (:mod:`.edge_rate_limits`).
    """
    hosts_dir = settings.path("edge", "hosts")
    valid_host = {"pattern": HOSTNAME_PATTERN}
    marker = {"root": str(hosts_dir), "try_files": ["/{http.request.host}/profile-*"]}
    flagged = [protection_route(settings), *pin_routes(settings.path("edge", SKEW_FOLDER))]
    # One regular expression for a hostname without flags, however many routes need them.
    any_flag = {"vars_regexp": {"{http.matchers.file.relative}": {"pattern": FLAGGED_MARKER}}}
    limited = rate_limit_handler(settings)
    return {"match": [{"vars_regexp": {"{http.request.host}": valid_host}, "file": marker}],
            "handle": [*([limited] if limited else []),
                       {"handler": "subroute", "routes": [
                {"match": [any_flag], "handle": [{"handler": "subroute", "routes": flagged}]}]},
                       image_handler(settings),
                       insights_handler(settings),
                       profiles_handler(hosts_dir, settings.path("edge", "deployments"),
                                        state)]}


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
                           "roll_size_mb": 100, "roll_keep": 10, "roll_keep_days": 30,
                           # Rolled files stay plain: edge_traffic and edge_analytics read them.
                           "roll_gzip": False},
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
            "named_routes": {HOSTED_ROUTE: hosted_route(settings, state),
                             FORMS_ROUTE: forms_named_route(settings)},
            "routes": [
                # Twice: the second try is for a request that raced an alias move.
                {"handle": [{"handler": "invoke", "name": HOSTED_ROUTE}]},
                {"handle": [{"handler": "invoke", "name": HOSTED_ROUTE}]},
                catch_all_route(),
            ],
        }}}},
    }, settings, wildcard)
    return config
