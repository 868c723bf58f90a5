"""The local edge marks in its access log the requests a function or server app answered.

Every ``reverse_proxy`` to a deployment's function worker or server app is
preceded by a ``log_append`` of the constant ``fn`` field; the middleware call
(which only decides how routing goes on), the static files and the image,
forms and insights endpoints are not. The field reaching Caddy's real access
log: checked by hand against this Caddy, see the report of issue 23 item 3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from autostack_core.config import Settings
from autostack_plugins.providers.local.edge_config import (
    FUNCTION_FIELD,
    caddy_config,
    profile_route,
)
from autostack_plugins.providers.local.edge_state import EdgeDeployment, EdgeState

MARK = {"handler": "log_append", "key": FUNCTION_FIELD, "value": "1"}
MIDDLEWARE = {"src": "^/old$", "middlewarePath": "_middleware", "continue": True}


def handle_lists(node: Any) -> Iterator[list[Any]]:
    """Every handler list in a Caddy JSON tree."""
    if isinstance(node, dict):
        if isinstance(node.get("handle"), list):
            yield node["handle"]
        for value in node.values():
            yield from handle_lists(value)
    elif isinstance(node, list):
        for value in node:
            yield from handle_lists(value)


def proxies(route: Any) -> list[tuple[bool, str]]:
    """(marked before it, its header changes) of each ``reverse_proxy`` in ``route``."""
    found = []
    for handle in handle_lists(route):
        for index, handler in enumerate(handle):
            if handler.get("handler") == "reverse_proxy":
                found.append((MARK in handle[:index], json.dumps(handler.get("headers", {}))))
    return found


def test_function_and_server_proxies_are_marked_and_the_middleware_call_is_not(
    tmp_path: Path,
) -> None:
    functions = EdgeDeployment(id="d1", root=str(tmp_path), hostnames=["a.localhost"],
                               config={"version": 3, "routes": [MIDDLEWARE]},
                               functions={"node": ["api/a"], "edge": ["api/e"]})
    found = proxies(profile_route(tmp_path, functions))
    calls = [marked for marked, headers in found if "_middleware" in headers]
    invocations = [marked for marked, headers in found if "_middleware" not in headers]
    assert calls == [False]  # the middleware call: not an invocation
    assert invocations == [True, True]  # the node and the edge function
    server = EdgeDeployment(id="d2", root=str(tmp_path), hostnames=["b.localhost"],
                            server=True)
    assert [marked for marked, _ in proxies(profile_route(tmp_path, server))] == [True]


def test_a_static_deployment_logs_no_invocation(tmp_path: Path, settings: Settings) -> None:
    static = EdgeDeployment(id="d3", root=str(tmp_path), hostnames=["c.localhost"],
                            config={"version": 3, "routes": [{"src": "/a", "dest": "/b"}]})
    config = caddy_config(EdgeState(deployments={"d3": static}), settings)
    # Neither its files nor the image, forms and insights endpoints count as invocations.
    assert f'"key": "{FUNCTION_FIELD}"' not in json.dumps(config)
    server = EdgeDeployment(id="d4", root=str(tmp_path), hostnames=["d.localhost"], server=True)
    config = caddy_config(EdgeState(deployments={"d4": server}), settings)
    marks = [handler for handle in handle_lists(config) for handler in handle
             if handler.get("key") == FUNCTION_FIELD]
    assert marks == [MARK]  # once, a constant: nothing a visitor sends is its value
