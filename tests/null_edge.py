"""The fast tier's null pair as tests look at it: what the edge bound, and outputs to run.

The fast tier's server runs on the null edge, with the null runtime standing in
for ``local`` (tests/conftest.py), so what the core asked the edge for is in
:attr:`NullEdge.calls` and what it serves is :meth:`NullEdge.fetch`'s answer.
A deployment made directly in the database has no build output for the runtime
to publish: :func:`stored_output` gives it one, as the pipeline would.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.store import Store
from autostack_plugins.providers.null import NullEdge, NullRuntime


def edge_of(autostack: AutoStack) -> NullEdge:
    """The server's edge: the null one, which records every bind, unbind and redirect
    (the ``null_edge`` fixture of tests/conftest.py)."""
    assert isinstance(autostack.edge, NullEdge), "the fast tier runs on the null edge"
    return autostack.edge


def null_runtime(autostack: AutoStack) -> NullRuntime:
    """The runtime projects run on by default (``local``): the null one in the fast tier."""
    runtime = autostack.runtimes["local"]
    assert isinstance(runtime, NullRuntime), "the fast tier runs on the null runtime"
    return runtime


def bound(edge: NullEdge) -> list[str]:
    """The hostnames the core bound, in order."""
    return [hostname for call, hostname in edge.calls if call == "bind"]


def unbound(edge: NullEdge) -> list[str]:
    """The hostnames the core unbound, in order."""
    return [hostname for call, hostname in edge.calls if call == "unbind"]


def stored_output(settings: Settings, html: str = "<h1>ok</h1>") -> str:
    """A static build output put into the server's store; its manifest hash."""
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder, "static", "index.html")
        index.parent.mkdir()
        index.write_text(html)
        manifest_hash, _ = Store(settings.path("store")).put_tree(Path(folder))
    return manifest_hash
