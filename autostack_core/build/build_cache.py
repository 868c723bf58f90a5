"""The per-project build cache folder: cleared by a deployment with ``force``.

The project's cache folder (``settings.path("cache", <project id>)``, the
sandbox's ``/cache`` and ``HOME``) holds the package managers' own caches
(npm's ``_cacache``, pip's, Corepack's) and what builders keep between builds
(the Node builder's ``node_modules`` and framework caches,
``autostack_plugins.builders.node_cache``). The core only empties it.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def clear(cache_dir: Path) -> None:
    """Empty the project's cache folder: the next build starts cold (``--force``)."""
    if cache_dir.is_dir():
        for child in cache_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
