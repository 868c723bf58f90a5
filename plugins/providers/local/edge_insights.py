"""Web vitals at the local edge: the beacon script and its posts, on every hosted hostname.

A site opts in by loading ``/_autostack/insights/script.js`` (as Vercel's
``/_vercel/speed-insights/script.js``): Caddy answers it itself from its
configuration (no file, no upstream), and proxies the script's posts to
``/_autostack/insights/vitals`` to the control plane with the visitor's
``Host``, where :mod:`autostack_core.services.web_vitals` checks and stores
them. The route comes after the protection check (a protected hostname's
visitors must be let in first) and before the deployment's own routes, so an
app cannot shadow it. One path prefix match is all it costs other requests.

The visitor's ``Authorization`` and cookies belong to the deployment, not to
the control plane, and are not forwarded.
"""

from __future__ import annotations

from typing import Any

from autostack_core.config import Settings
from autostack_core.services.web_vitals import BEACON_PATH, INSIGHTS_PREFIX, SCRIPT, SCRIPT_PATH
from autostack_plugins.providers.local.edge_protection import dial_of

JSON = dict[str, Any]


def insights_handler(settings: Settings) -> JSON:
    """A subroute answering the insights paths; other requests go on."""
    script = {
        "handler": "static_response",
        "status_code": 200,
        "headers": {
            "Content-Type": ["text/javascript; charset=utf-8"],
            "Cache-Control": ["public, max-age=3600"],
        },
        # Caddy expands placeholders in a static body: an escaped brace opens none.
        "body": SCRIPT.replace("{", "\\{"),
    }
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": dial_of(settings.local_url)}],
        "headers": {"request": {"delete": ["Authorization", "Cookie"]}},
    }
    not_found = {"handler": "static_response", "status_code": 404}
    inner = [
        {"match": [{"path": [SCRIPT_PATH]}], "handle": [script], "terminal": True},
        {
            "match": [{"path": [BEACON_PATH], "method": ["POST"]}],
            "handle": [proxy],
            "terminal": True,
        },
        {"handle": [not_found], "terminal": True},
    ]
    return {
        "handler": "subroute",
        "routes": [
            {
                "match": [{"path": [f"{INSIGHTS_PREFIX}*"]}],
                "handle": [{"handler": "subroute", "routes": inner}],
                "terminal": True,
            }
        ],
    }
