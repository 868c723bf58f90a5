"""Netlify forms at the local edge: a static deployment's form posts go to the control plane.

A static deployment (no server app, no functions) answers ``POST`` with 405:
nothing of it can take a post. So its profile's first route sends every
``POST`` whose ``Content-Type`` is a form's (``application/x-www-form-urlencoded``
or ``multipart/form-data``), on any path, as Netlify takes them, to the control
plane's submission endpoint (:data:`~autostack_core.services.forms.SUBMIT_PATH`),
``Host`` kept and the visitor's path in ``X-Forwarded-Uri``; the control plane
finds the hostname's deployment and its forms, and answers 405 as before for
a deployment that declared none.

Why not a flag in the marker's name, as protection has: a deployment's forms
would then be a third flag, doubling the marker folders of every deployment,
for requests that are errors today anyway. This way whether a deployment has
forms costs the edge nothing: a request that is not a form post pays one
method match (GETs never reach the header match); a form post to a site
without forms pays one round trip to the control plane and gets its 405.
Deployments with a server app or functions keep their own posts.

The visitor's ``Authorization`` belongs to the deployment, not to the control
plane, and is not forwarded (cookies are: the control plane re-checks a
protected hostname's access cookie).
"""

from __future__ import annotations

from typing import Any

from autostack_core.config import Settings
from autostack_core.services.forms import SUBMIT_PATH
from autostack_plugins.providers.local.edge_protection import dial_of

JSON = dict[str, Any]
FORM_TYPES = ["application/x-www-form-urlencoded*", "multipart/form-data*"]
FORMS_ROUTE = "forms"
"""The named route holding the proxy (profiles are built without the settings)."""


def forms_route() -> JSON:
    """A static profile's first route: its form posts go to the named route :data:`FORMS_ROUTE`."""
    return {
        "match": [{"method": ["POST"], "header": {"Content-Type": FORM_TYPES}}],
        "handle": [{"handler": "invoke", "name": FORMS_ROUTE}],
        "terminal": True,
    }


def forms_named_route(settings: Settings) -> JSON:
    """The route sending a form post to the control plane's submission endpoint."""
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": dial_of(settings.local_url)}],
        "rewrite": {"uri": SUBMIT_PATH},
        "headers": {
            "request": {
                "set": {"X-Forwarded-Uri": ["{http.request.uri}"]},
                "delete": ["Authorization"],
            }
        },
    }
    return {"handle": [proxy], "terminal": True}
