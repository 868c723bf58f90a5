"""AutoStack's minimal core: app, config, hooks, models, queue, pipeline, store, auth, API, CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autostack_core.hookspecs import hookimpl

__version__ = "0.2.0"
"""The release: pyproject.toml reads it; CHANGELOG.md says what each one changed."""

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    """``hookimpl`` on first use: importing pluggy cost every CLI command 15-20 ms, and the
    client commands use no hook."""
    if name == "hookimpl":
        from autostack_core.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'autostack_core' has no attribute {name!r}")
