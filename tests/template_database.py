"""A database migrated once per test session, copied for each test.

Migrating a new database runs every migration (22 of them and growing): about a
second on SQLite and several on PostgreSQL, for each of the hundreds of tests that
start a server. The tests instead start from a copy of one database migrated at
the start of the session, by the same ``db.migrate`` the server runs: a file copy
on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. The server's own start
still runs ``db.migrate``, which finds nothing to apply.

Run as ``python -m tests.template_database TARGET`` (an SQLite file's path or a
PostgreSQL database's URL) it migrates that database in a process of its own, so
the test session's ORM state is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from autostack_core.config import Settings
from autostack_core.infrastructure import db
from autostack_core.utils import random_id

SQLITE_NAME = "autostack.db"
"""The file name the server gives its SQLite database in the data directory."""


def migrate_in_subprocess(target: str) -> None:
    subprocess.run([sys.executable, "-m", "tests.template_database", target], check=True,
                   cwd=Path(__file__).parent.parent)


class SqliteTemplate:
    """A migrated SQLite file, copied into each test's data directory."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autostack-template-"))
        self.path = self.folder / SQLITE_NAME
        migrate_in_subprocess(str(self.path))

    def copy_into(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, data_dir / SQLITE_NAME)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresCopies:
    """Copies of a migrated PostgreSQL database, made ahead and dropped by threads of their own.

    ``CREATE DATABASE ... TEMPLATE`` takes 0.15-0.3 s and ``DROP DATABASE`` about 0.1 s, as
    long as a fast test's whole set-up on PostgreSQL: one thread doing both fell behind and
    the tests waited for it (0.39 s a test). Made while the previous test runs, by one
    thread, and dropped once their test is done, by another, copies cost a test nothing.
    """

    AHEAD = 2

    def __init__(self, admin_url: str, template: str) -> None:
        self.admin_url, self.template = admin_url, template
        self.ready: queue.Queue[str] = queue.Queue(maxsize=self.AHEAD)
        self.used: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.failure: BaseException | None = None
        self.copier = self._thread("postgres-copies", self._copy)
        self.dropper = self._thread("postgres-drops", self._drop)

    def take(self) -> str:
        """The name of a new copy of the template, for one test."""
        while True:
            with contextlib.suppress(queue.Empty):
                return self.ready.get(timeout=1)
            if self.failure is not None or not self.copier.is_alive():
                raise RuntimeError("the thread copying the template database stopped") \
                    from self.failure

    def give_back(self, name: str) -> None:
        """Drop a copy once its test is done (the connections left to it are closed)."""
        self.used.put(name)

    def stop(self) -> None:
        """Stop copying, then drop every copy made (handed out or not)."""
        self.stopping.set()
        self.copier.join()
        while not self.ready.empty():
            self.used.put(self.ready.get())
        self.used.put(None)
        self.dropper.join()

    def _thread(self, name: str, work: Callable[[asyncpg.Connection], Awaitable[None]]) \
            -> threading.Thread:
        async def run() -> None:
            admin = await asyncpg.connect(self.admin_url)
            try:
                await work(admin)
            except BaseException as error:
                self.failure = error
                raise
            finally:
                await admin.close()

        thread = threading.Thread(target=lambda: asyncio.run(run()), name=name, daemon=True)
        thread.start()
        return thread

    async def _copy(self, admin: asyncpg.Connection) -> None:
        while not self.stopping.is_set():
            name = f"autostack_t_{random_id(12)}"
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
            if not self._hand_over(name):
                self.used.put(name)

    def _hand_over(self, name: str) -> bool:
        while not self.stopping.is_set():
            with contextlib.suppress(queue.Full):
                self.ready.put(name, timeout=0.1)
                return True
        return False

    async def _drop(self, admin: asyncpg.Connection) -> None:
        while (name := await asyncio.to_thread(self.used.get)) is not None:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _migrate(target: str) -> None:
    if target.startswith("postgres"):
        with tempfile.TemporaryDirectory() as unused_data_dir:
            await db.migrate(Settings(data_dir=Path(unused_data_dir), database_url=target))
    else:
        await db.migrate(Settings(data_dir=Path(target).parent, database_url=None))


if __name__ == "__main__":
    asyncio.run(_migrate(sys.argv[1]))
