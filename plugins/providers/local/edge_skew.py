"""Skew protection at the local edge: requests pinned to the deployment that made their page.

After a deploy, a page loaded from the previous deployment still asks for its
own hashed assets and calls its own functions. A request naming a deployment
(``x-deployment-id``, else ``?dpl=``, else, for anything but a page
navigation, the ``__vdpl`` cookie: Vercel's names, see
:mod:`autostack_core.interfaces.edge`) is served by that deployment when the
hostname is bound to it or was within its skew window.

Like aliases and splits, this is files, never configuration:
``skew/<hostname>/<id>`` is a symlink to ``deployments/<id>`` for each
deployment a request for the hostname may be pinned to
(:meth:`.edge_state.EdgeState.pins`), so the pin is one glob,
``skew/<host>/<pin>/profile-*``, and a name that is not there (an expired
window, a typo, another project's deployment) finds nothing: the request is
served as usual. The pin must look like a deployment id before it reaches a
path (no ``..``). The edge removes a link when its window ends
(:meth:`autostack_plugins.providers.local.edge.Edge.expire_pins`).

Whether a hostname has a window is a flag in the name of the marker its requests
find anyway (``s``, see :mod:`.edge_state`): a hostname without one pays nothing
for skew protection.

Page navigations of a hostname with a window get ``Set-Cookie: __vdpl=<id>``
naming the deployment that answered (set when the response is written, once
the profile route has captured the id); the cookie is not honoured for
navigations, so reloading a page always gets the current deployment.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from autostack_core.interfaces.edge import SKEW_COOKIE, SKEW_HEADER, SKEW_QUERY
from autostack_plugins.providers.local.edge_state import (
    SKEW_FLAG,
    EdgeState,
    flag_matcher,
    link_atomically,
)

JSON = dict[str, Any]
PIN_PATTERN = "^([A-Za-z0-9_-]{1,64})$"
PIN_VARIABLE = "autostack_pin"
SERVED_BY = "{http.regexp.site.1}"
"""The deployment that answered, captured by its profile route (see ``edge_config``)."""
NAVIGATION = {"header": {"Sec-Fetch-Mode": ["navigate"]}}
CARRIES_PIN: list[JSON] = [{"header": {SKEW_HEADER: []}}, {"query": {SKEW_QUERY: ["*"]}},
                           {"header": {"Cookie": [f"*{SKEW_COOKIE}=*"]}, "not": [NAVIGATION]}]
"""Matcher sets, any of them, for a request naming a deployment at all: the field's
presence only, so the pin's sources are read only when there is one."""


def write_pins(skew_dir: Path, deployments_dir: Path, hostname: str, pins: list[str]) -> None:
    """Make ``skew/<hostname>/`` hold exactly a link per pin (no folder when there is none)."""
    folder = skew_dir / hostname
    if not pins:
        shutil.rmtree(folder, ignore_errors=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    for deployment_id in pins:
        link = folder / deployment_id
        if not link.is_symlink():
            link_atomically(deployments_dir / deployment_id, link)
    for stale in folder.iterdir():
        if stale.name not in pins and not stale.name.startswith("."):
            stale.unlink()


def record_move(state: EdgeState, hostname: str, before: set[str], after: set[str],
                now: float) -> None:
    """Note when the deployments in ``before`` but not ``after`` stopped serving ``hostname``."""
    moved = state.unserved.setdefault(hostname, {})
    for deployment_id in before - after:
        moved[deployment_id] = now
    for deployment_id in after:
        moved.pop(deployment_id, None)
    if not moved:
        del state.unserved[hostname]


def forget_expired(state: EdgeState, now: float, longest: int) -> set[str]:
    """Drop records past their hostname's window (``longest`` without one, for a window set
    later); return the hostnames whose pins changed."""
    changed: set[str] = set()
    for hostname, moved in list(state.unserved.items()):
        window = state.skew.get(hostname) or longest
        for deployment_id, since in list(moved.items()):
            if since + window <= now or deployment_id not in state.deployments:
                del moved[deployment_id]
                changed.add(hostname)
        if not moved:
            del state.unserved[hostname]
    return changed


def next_expiry(state: EdgeState, now: float) -> float | None:
    """Seconds until the first pin ends (``None``: no pin ends)."""
    ends = [since + state.skew[hostname] - now
            for hostname, moved in state.unserved.items() if state.skew.get(hostname)
            for since in moved.values()]
    return min(ends) if ends else None


def pin_routes(skew_dir: Path) -> list[JSON]:
    """Routes run before the profiles, for a hostname with a window (its marker's ``s``
    flag): remember the served deployment on navigations, then, for a pinned request
    whose pin is allowed, match that deployment's marker instead.

    None is terminal; what matters is the last ``file`` match, whose
    placeholders the profile routes read. A request for a hostname without a
    window, or one that is neither a navigation nor names a deployment, reads no
    file here.
    """
    host = "{http.request.host}"
    window = flag_matcher(SKEW_FLAG)
    cookie = f"{SKEW_COOKIE}={SERVED_BY}; Path=/; SameSite=Lax; HttpOnly"
    remember = {"handler": "headers",
                "response": {"add": {"Set-Cookie": [cookie]}, "deferred": True}}
    pinned = {"root": str(skew_dir),
              "try_files": [f"/{host}/{{http.vars.{PIN_VARIABLE}}}/profile-*"]}
    pinning = {"vars_regexp": {f"{{http.vars.{PIN_VARIABLE}}}": {"pattern": PIN_PATTERN}}}

    def source(placeholder: str, name: str, *extra: JSON) -> JSON:
        matcher: JSON = {"vars_regexp": {placeholder: {"name": name, "pattern": PIN_PATTERN}}}
        for item in extra:
            matcher.update(item)
        return {"match": [matcher],
                "handle": [{"handler": "vars", PIN_VARIABLE: f"{{http.regexp.{name}.1}}"}]}

    return [
        {"match": [{**NAVIGATION, **window}], "handle": [remember]},
        {"match": [{**carries, **window} for carries in CARRIES_PIN],
         "handle": [{"handler": "subroute", "routes": [
             # Lowest priority first: a later source overrides the pin.
             source(f"{{http.request.cookie.{SKEW_COOKIE}}}", "pin_cookie",
                    {"not": [NAVIGATION]}),
             source(f"{{http.request.uri.query.{SKEW_QUERY}}}", "pin_query"),
             source(f"{{http.request.header.{SKEW_HEADER}}}", "pin_header"),
             {"match": [pinning], "handle": [{"handler": "subroute",
                                              "routes": [{"match": [{"file": pinned}]}]}]},
         ]}]},
    ]
