"""Shared fixtures: a fresh data directory and database per test, the app, HTTP clients.

The database is SQLite in the test's data directory, or a fresh PostgreSQL
database per test when ``AUTOSTACK_TEST_DATABASE_URL`` names a server (the
admin connection, e.g. ``postgres://postgres@127.0.0.1:5432/test``); either
starts as a copy of one database migrated at the start of the session
(tests/template_database.py). The queue and events use Redis when
``AUTOSTACK_TEST_REDIS_URL`` is set.

The server runs on the null pair (plugins/providers/null/): the ``null`` edge
(the ``edge`` setting) and the null runtime registered as ``local``, the runtime
projects name by default, instead of the local plugin's. Nothing runs and no
Caddy starts; tests/null_edge.py reads what the core asked of them. The local
pair has its own tests (unit tests of its parts, tests/conformance/test_local.py
and the e2e tier, which starts real servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.plugins import DEFAULT_PLUGINS, LoadedPlugins, get_plugin_manager
from autostack_core.security import accounts
from autostack_core.utils import free_port, random_id
from autostack_plugins.providers.null import NullEdge, NullRuntime
from tests.null_edge import edge_of
from tests.template_database import PostgresCopies, SqliteTemplate, migrate_in_subprocess

PG_ADMIN_URL = os.environ.get("AUTOSTACK_TEST_DATABASE_URL")
DBLESS_SHARE = os.environ.get("AUTOSTACK_TEST_DBLESS", "all")
"""Which of the tests a second database adds nothing to this run takes. CI runs the suite
twice side by side (SQLite, then PostgreSQL + Redis) and splits these between its passes so
that neither waits long for the other: ``all`` (the default), ``first`` (those marked
``dbless`` but the end-to-end tests that start no server: CI's SQLite pass) or ``second``
(only the end-to-end tests that start no server: CI's PostgreSQL + Redis pass)."""
REDIS_URL = os.environ.get("AUTOSTACK_TEST_REDIS_URL")
LOOPBACK = ("127.0.0.0/8", "::1")
"""``outbound_allow`` for tests: their stand-ins (git hosts, webhook receivers) listen here."""
LOCAL_PLUGIN = "autostack_plugins.providers.local.plugin"


def pytest_configure(config: pytest.Config) -> None:
    """Passwords hash with argon2's cheapest parameters in tests: the server's (64 MiB,
    three passes) are there to slow attackers, and cost most of a test's set-up."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts._hasher = cheap
    accounts._DUMMY_HASH = cheap.hash("autostack timing equaliser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every run takes the tests a database changes; of the others (marked ``dbless``, or
    end-to-end tests that start no server: every server they start takes its database from
    the ``database_url`` fixture), only the share :data:`DBLESS_SHARE` names."""
    if DBLESS_SHARE == "all":
        return
    if DBLESS_SHARE not in ("first", "second"):
        raise pytest.UsageError(
            f"AUTOSTACK_TEST_DBLESS must be all, first or second, not {DBLESS_SHARE!r}"
        )

    def taken(item: pytest.Item) -> bool:
        serverless = bool(item.get_closest_marker("e2e")) and "database_url" not in getattr(
            item, "fixturenames", ()
        )
        if not (serverless or item.get_closest_marker("dbless")):
            return True
        return serverless == (DBLESS_SHARE == "second")

    left = [item for item in items if not taken(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if taken(item)]


def pg_database_url(name: str) -> str:
    assert PG_ADMIN_URL
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@contextlib.asynccontextmanager
async def scratch_database(prefix: str, template: str = "") -> AsyncIterator[str | None]:
    """A new PostgreSQL database ``<prefix>_<random>``, dropped after; None on SQLite.

    Empty, or a copy of the ``template`` database when one is named.
    """
    if not PG_ADMIN_URL:
        yield None
        return
    name = f"{prefix}_{random_id(12)}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield pg_database_url(name)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[PostgresCopies | SqliteTemplate]:
    """The session's migrated database (tests/template_database.py): copies of a
    PostgreSQL database made ahead, or an SQLite file."""
    if not PG_ADMIN_URL:
        template = SqliteTemplate()
        yield template
        template.remove()
        return
    name = f"autostack_tmpl_{random_id(12)}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        migrate_in_subprocess(pg_database_url(name))
        copies = PostgresCopies(PG_ADMIN_URL, name)
        try:
            yield copies
        finally:
            copies.stop()
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def database_url(
    tmp_path: Path, migrated_template: PostgresCopies | SqliteTemplate,
) -> Iterator[str | None]:
    """The test's database, already migrated: a copy of the session's template."""
    if isinstance(migrated_template, SqliteTemplate):
        migrated_template.copy_into(tmp_path / "data")
        yield None
        return
    name = migrated_template.take()
    try:
        yield pg_database_url(name)
    finally:
        migrated_template.give_back(name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=REDIS_URL,
        queue_name=f"autostack-test-{random_id(8)}",
        port=8000,
        edge_port=free_port(),
        edge_https_port=free_port(),
        outbound_allow=LOOPBACK,
        edge="null",
    )


class NullStandIn:
    """Registers the null runtime under the name ``local``, which projects run on by default."""

    @hookimpl
    def register_runtimes(self, settings: Settings) -> list[NullRuntime]:
        return [NullRuntime(idle_seconds=settings.preview_idle_seconds, name="local")]


def fast_plugins() -> LoadedPlugins:
    """The built-in and installed plugins, the local runtime and edge left out for the null pair."""
    loaded = get_plugin_manager(tuple(name for name in DEFAULT_PLUGINS if name != LOCAL_PLUGIN))
    loaded.manager.register(NullStandIn(), name="null-stand-in")
    return loaded


@contextlib.asynccontextmanager
async def started(settings: Settings,
                  plugins: LoadedPlugins | None = None) -> AsyncIterator[AutoStack]:
    """A started AutoStack (database migrated and connected), no queue consumer, with
    ``plugins`` (:func:`fast_plugins` by default); shut down on leaving."""
    app = AutoStack(settings, plugins=plugins or fast_plugins())
    await app.startup()
    try:
        yield app
    finally:
        await app.shutdown()


@pytest.fixture
async def autostack(settings: Settings) -> AsyncIterator[AutoStack]:
    """A started AutoStack (database migrated and connected), no queue consumer."""
    async with started(settings) as app:
        yield app


@pytest.fixture
def null_edge(autostack: AutoStack) -> NullEdge:
    """The server's edge, the null one: what the core bound, unbound and redirected."""
    return edge_of(autostack)


@pytest.fixture
async def client(autostack: AutoStack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the ASGI app in-process."""
    transport = httpx.ASGITransport(app=autostack.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
