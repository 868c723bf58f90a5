"""Image optimization at the local edge: ``/_vercel/image`` and ``/_next/image`` of every hostname.

Both paths of a hosted hostname are proxied to the control plane, ``Host``
kept, where :mod:`autostack_core.images` finds the hostname's deployment,
reads the image from its stored files (or an allowed remote URL) and answers
it resized, as WebP or AVIF when the visitor accepts them, from its disk
cache. The route comes after the protection check (a protected hostname's
images need the same access as its pages) and before the deployment's own
routes, so an app cannot shadow it, as on Vercel.

The visitor's ``Authorization`` belongs to the deployment, not to the control
plane, and is not forwarded.
"""

from __future__ import annotations

from typing import Any

from autostack_core.config import Settings
from autostack_plugins.providers.local.edge_protection import dial_of

JSON = dict[str, Any]
IMAGE_PATHS = ("/_vercel/image", "/_next/image")


def image_handler(settings: Settings) -> JSON:
    """A subroute answering the image paths from the control plane; other requests go on."""
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": dial_of(settings.local_url)}],
        "headers": {"request": {"delete": ["Authorization"]}},
    }
    return {
        "handler": "subroute",
        "routes": [{"match": [{"path": list(IMAGE_PATHS)}], "handle": [proxy], "terminal": True}],
    }
