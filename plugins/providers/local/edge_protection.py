"""Deployment protection at the local edge: Caddy asks the control plane before serving.

A protected hostname links to its deployment's ``p`` folder, whose marker is
``profile-<hash>.<id>~p`` (the flags of :mod:`.edge_state`): nothing about it is in
Caddy's configuration, so protecting and unprotecting are a symlink rename, no
reload, like everything else at this edge. The marker is the one the hosted route
finds for every request anyway, so an unprotected hostname costs no lookup; a
request cannot choose it (the hostname, checked against the hostname pattern,
names the link). The first route of the hosted route (:func:`protection_route`)
matches requests whose marker has the flag, before skew pins and profiles, and then:

* sets ``Cache-Control: private, no-store`` on whatever the answer is (deferred,
  so it replaces what the deployment says): a protected answer is never kept by
  a shared cache;
* proxies the control plane's pages (``/_autostack/protection/...``: the
  password form, the team sign-in's return) to the control plane, ``Host`` kept;
* asks the control plane's check endpoint for every other request, as Caddy's
  ``forward_auth`` does: a 2xx answer lets the request go on to the hosted
  routes, any other answer is the visitor's (the login page, a redirect, 401).

A hostname without a binding has no marker: it gets the unknown-host page.

The control plane is the one this machine runs (:attr:`Settings.local_url`):
the local edge and its control plane share a host.
"""

from __future__ import annotations

import shutil
from typing import Any
from urllib.parse import urlsplit

from autostack_core.config import Settings
from autostack_core.interfaces.edge import PROTECTION_CHECK, PROTECTION_PREFIX, Protection
from autostack_plugins.providers.local.edge_state import (
    PROTECTED_FLAG,
    EdgeError,
    EdgeState,
    flag_matcher,
)

JSON = dict[str, Any]
NO_STORE = "private, no-store"


def dial_of(url: str) -> str:
    """``http://127.0.0.1:8000`` -> ``127.0.0.1:8000`` (what a Caddy upstream dials)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise EdgeError(f"the control plane's URL must be http://host:port, not {url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{parts.port}"


def protection_route(settings: Settings) -> JSON:
    """Requests whose hostname's marker has the protection flag pass the control plane's check."""
    upstream = [{"dial": dial_of(settings.local_url)}]
    no_store = {"handler": "headers", "response": {"set": {"Cache-Control": [NO_STORE]},
                                                   "deferred": True}}
    pages = {"match": [{"path": [f"{PROTECTION_PREFIX}*"]}],
             "handle": [{"handler": "reverse_proxy", "upstreams": upstream}], "terminal": True}
    check = {
        "handler": "reverse_proxy", "upstreams": upstream,
        "rewrite": {"method": "GET", "uri": PROTECTION_CHECK},
        # The visitor's Authorization belongs to the deployment (its own API's tokens), not
        # to the control plane, which would refuse it as an AutoStack token.
        "headers": {"request": {"set": {"X-Forwarded-Method": ["{http.request.method}"],
                                        "X-Forwarded-Uri": ["{http.request.uri}"]},
                                "delete": ["Authorization"]}},
        # A 2xx answer handled by routes that write nothing: the request goes on down the
        # chain (to the hosted routes); any other answer is written to the visitor as is.
        "handle_response": [{"match": {"status_code": [2]},
                             "routes": [{"handle": [{"handler": "vars"}]}]}],
    }
    return {"match": [flag_matcher(PROTECTED_FLAG)],
            "handle": [{"handler": "subroute", "routes": [
                {"handle": [no_store]}, pages, {"handle": [check]}]}]}


def check_control_plane(settings: Settings, protection: Protection) -> None:
    """:class:`EdgeError` unless ``protection`` asks this machine's control plane."""
    if dial_of(protection.control_plane) != dial_of(settings.local_url):
        raise EdgeError(f"the local edge asks the control plane at {settings.local_url}, "
                        f"not {protection.control_plane}")


def adopt_markers(settings: Settings, state: EdgeState) -> bool:
    """Move the marker files of an edge from before the flags into ``state``; whether any."""
    folder = settings.path("edge", "protected")
    if not folder.is_dir():
        return False
    hostnames = {marker.name for marker in folder.iterdir()}
    state.protected = sorted({*state.protected, *hostnames})
    return bool(hostnames)


def remove_markers(settings: Settings) -> None:
    """Remove the marker files :func:`adopt_markers` read, once the state is saved."""
    shutil.rmtree(settings.path("edge", "protected"), ignore_errors=True)
