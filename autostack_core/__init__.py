"""AutoStack's minimal core: app, config, hooks, models, queue, pipeline, store, auth, API, CLI."""

from __future__ import annotations

from autostack_core.hookspecs import hookimpl

__version__ = "0.2.0"
"""The release: pyproject.toml reads it; CHANGELOG.md says what each one changed."""

__all__ = ["__version__", "hookimpl"]
