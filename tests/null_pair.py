"""A started server with every built-in plugin, projects on the null runtime named ``null``.

The fast tier's ``autostack`` fixture (tests/conftest.py) leaves the local plugin out
and stands the null runtime in for ``local``. The server here keeps all the built-ins
and runs on the null edge; a project made with ``provider="null"`` runs on the null
runtime (plugins/providers/null/), so what the core asked of the pair is what the pair
holds and what a visitor of the null edge gets. A test module uses it by importing the
``autostack`` fixture (listed in its ``__all__``), or :func:`null_pair_server` when it
registers plugins of its own; the ``site`` fixture is a project on the null runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Project, User
from autostack_core.plugins import LoadedPlugins, get_plugin_manager
from autostack_plugins.providers import null
from tests.conftest import started
from tests.fixtures_auth import personal_team


def null_pair_plugins() -> LoadedPlugins:
    """The built-in plugins without entry points, the null pair among them."""
    loaded = get_plugin_manager(load_entry_points=False)
    if not loaded.manager.is_registered(null):
        loaded.manager.register(null, name="null-pair")
    return loaded


@asynccontextmanager
async def null_pair_server(settings: Settings,
                           plugins: LoadedPlugins | None = None) -> AsyncIterator[AutoStack]:
    """A started server on the null edge with ``plugins`` (:func:`null_pair_plugins` by
    default), shut down on leaving."""
    async with started(replace(settings, edge="null"), plugins or null_pair_plugins()) as app:
        yield app


@pytest.fixture
async def autostack(settings: Settings) -> AsyncIterator[AutoStack]:
    """A started server on the null edge and runtime."""
    async with null_pair_server(settings) as app:
        yield app


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    """The project ``site`` of the owner's personal team, on the null runtime."""
    return await Project.create(name="site", team=await personal_team(owner), user=owner,
                                provider="null")
