"""The local edge's image route: where it sits in the hosted route and where it sends requests.

Served for real (Caddy, the control plane, a deployment) in ``tests/e2e/test_images.py``.
"""

from __future__ import annotations

from pathlib import Path

from autostack_core.config import Settings
from autostack_plugins.providers.local.edge_config import caddy_config
from autostack_plugins.providers.local.edge_state import EdgeState


def test_image_paths_go_to_the_control_plane_after_protection_before_the_deployment(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, port=8123)
    server = caddy_config(EdgeState(), settings)["apps"]["http"]["servers"]["autostack"]
    handlers = server["named_routes"]["hosted"]["handle"]
    protection, profiles = handlers[0], handlers[-1]
    assert protection["handler"] == "subroute" and profiles["@id"] == "profiles"
    (images,) = [
        handler
        for handler in handlers[1:-1]
        if any("/_vercel/image" in str(route.get("match")) for route in handler["routes"])
    ]
    (route,) = images["routes"]
    assert route["match"] == [{"path": ["/_vercel/image", "/_next/image"]}]
    (proxy,) = route["handle"]
    assert proxy["handler"] == "reverse_proxy" and route["terminal"] is True
    assert proxy["upstreams"] == [{"dial": "127.0.0.1:8123"}]
    # The visitor's Host is kept (Caddy's default); their Authorization is the deployment's.
    assert proxy["headers"] == {"request": {"delete": ["Authorization"]}}
