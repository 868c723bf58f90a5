"""The null runtime and edge: a provider pair that keeps everything in memory.

Nothing runs and nothing listens. :class:`NullRuntime` reads a published
artifact's files into memory and "deploys" a release by remembering it;
:class:`NullEdge` remembers bindings and redirects. Together they behave as a
provider pair should (the conformance suite in ``tests/conformance`` holds them
to it), so the fast test tier deploys on them without Caddy or bubblewrap, and
a plugin author has a small, complete example of both interfaces.

:meth:`NullEdge.fetch` plays a visitor: it picks one of a hostname's targets by
weight (smooth weighted round-robin, so 3:1 is exactly 3 of every 4 requests)
and asks the null runtime for the path, which answers as
``docs/build-output.md`` says a deployment does, without running any code:

1. a file of ``static/`` (``/`` and folders serve their ``index.html``);
2. a function ``functions/<path>.func``: ``200 null function <path>``;
3. a server app (``server.json``): ``200 null server <release id>``;
4. ``static/404.html`` with status 404, else ``404``.

``config.json`` routes are not applied. With :meth:`NullEdge.skew_protection`,
a path's ``?dpl=<id>`` pins the request to that deployment while the hostname
is, or within the window was, bound to it (a visitor here has no headers or
cookies, so the query parameter is the only pin it can send). A function or server request writes a
log line (``GET <path>``, from ``fn-<runtime>`` or ``server-0``), as an app
printing its requests would, so ``logs(follow=True)`` has something to follow.
A release whose policy allows zero replicas and that has a server or
functions falls asleep after ``idle_seconds`` without requests; the next
request or ``deploy`` wakes it.

The runtime lives in :mod:`.runtime`, the edge in :mod:`.edge`; both answer a
visitor with a :class:`.responses.NullResponse`. This module is the plugin:
its hooks register one of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autostack_core import hookimpl

from .edge import NullEdge
from .responses import NullResponse
from .runtime import NAME, NullRuntime

if TYPE_CHECKING:
    from autostack_core.config import Settings

__all__ = ["NAME", "NullEdge", "NullResponse", "NullRuntime"]


@hookimpl
def register_runtimes(settings: Settings) -> list[NullRuntime]:
    return [NullRuntime(idle_seconds=settings.preview_idle_seconds)]


@hookimpl
def register_edges(settings: Settings) -> list[NullEdge]:
    return [NullEdge(port=settings.edge_port)]
