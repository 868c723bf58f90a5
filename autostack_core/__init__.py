"""AutoStack's minimal core: app, config, hooks, models, queue, pipeline, store, auth, API, CLI."""

from __future__ import annotations

from autostack_core.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
