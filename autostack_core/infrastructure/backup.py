"""Backups: one archive of what a server cannot rebuild, and its restore onto a new data dir.

The archive (a tar file, gzip-compressed when its name ends in ``.gz``, mode
0600: it holds the key that decrypts every secret) carries the database, the
key file, the store (manifests and objects), the built-in git remotes and the
``AUTOSTACK_*`` settings in effect. Taken online: SQLite through its backup
API and PostgreSQL through ``pg_dump``, both a consistent snapshot while the
server writes; the store is copied after the snapshot, and since stored files
never change once written, every file the snapshot names is there.

Build caches, workspaces, logs, the queue and the edge's and supervisor's state
are left out: caches refill, and the edge, apps and paths are derived from the
database. A restore unpacks onto an empty data directory (never over one),
loads the database, then starts the server's parts once to lay out and route
every ready deployment that has an alias, so the next ``autostack up`` serves
them all, with the secrets the restored key decrypts.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core import __version__
from autostack_core.config import Settings
from autostack_core.security.crypto import KEY_FILE_NAME

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

FORMAT = 1
INFO = "autostack-backup.json"
SETTINGS_FILE = "settings.env"
RESTORED_SETTINGS = "settings-from-backup.env"
SQLITE_DUMP = "database.sqlite"
POSTGRES_DUMP = "database.pgdump"
FOLDERS = ("store/manifests", "store/objects", "git")


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What an archive holds (its ``autostack-backup.json``)."""

    format: int
    autostack: str
    created_at: str
    database: str

    @classmethod
    def read(cls, raw: bytes) -> BackupInfo:
        try:
            found: dict[str, Any] = json.loads(raw)
            info = cls(format=int(found["format"]), autostack=str(found["autostack"]),
                       created_at=str(found["created_at"]), database=str(found["database"]))
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"{INFO} is not an AutoStack backup description") from error
        if info.format != FORMAT:
            raise BackupError(f"backup format {info.format} is not {FORMAT}: restore it with "
                              f"the AutoStack that made it ({info.autostack})")
        return info


def sqlite_path(settings: Settings) -> Path:
    return Path(settings.db_url.removeprefix("sqlite://"))


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: sudo apt-get install -y postgresql-client "
                          "(its major version at least the server's)")
    return found


def dump_database(settings: Settings, staging: Path) -> str:
    """Snapshot the database into ``staging``; return the archive name of the dump."""
    if settings.is_sqlite:
        source = sqlite_path(settings)
        if not source.exists():
            raise BackupError(f"no database at {source}: is this the server's data directory?")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live, \
                sqlite3.connect(staging / SQLITE_DUMP) as copy:
            live.backup(copy)
        return SQLITE_DUMP
    dumped = subprocess.run(
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         "--file", str(staging / POSTGRES_DUMP), "--dbname", str(settings.database_url)],
        capture_output=True, text=True, check=False)
    if dumped.returncode != 0:
        raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
    return POSTGRES_DUMP


def settings_text() -> str:
    """The ``AUTOSTACK_*`` settings of this process's environment, one per line."""
    return "".join(f"{key}={value}\n" for key, value in sorted(os.environ.items())
                   if key.startswith("AUTOSTACK_") and "\n" not in value)


def create(settings: Settings, path: Path) -> BackupInfo:
    """Write the archive of ``settings``' server to ``path`` (online)."""
    info = BackupInfo(format=FORMAT, autostack=__version__,
                      created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                      database="sqlite" if settings.is_sqlite else "postgresql")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".autostack-backup-", dir=path.parent) as folder:
        staging = Path(folder)
        dump = dump_database(settings, staging)
        (staging / INFO).write_text(json.dumps(info.__dict__, indent=1), encoding="utf-8")
        (staging / SETTINGS_FILE).write_text(settings_text(), encoding="utf-8")
        partial_archive = staging / "archive"
        mode = "w:gz" if path.name.endswith(".gz") else "w"
        with tarfile.open(partial_archive, mode) as archive:  # type: ignore[call-overload]
            for name in (INFO, dump, SETTINGS_FILE):
                archive.add(staging / name, arcname=name)
            key_file = settings.path(KEY_FILE_NAME)
            if not settings.secret_keys and key_file.exists():
                archive.add(key_file, arcname=KEY_FILE_NAME)
            for name in FOLDERS:
                if settings.path(name).exists():
                    archive.add(settings.path(name), arcname=name)
        partial_archive.chmod(0o600)
        partial_archive.replace(path)
    return info


def check_target(settings: Settings) -> None:
    data = settings.data_dir
    if data.exists() and any(data.iterdir()):
        raise BackupError(f"{data} is not empty: restore onto a new data directory "
                          "(--data-dir or AUTOSTACK_DATA_DIR)")


async def check_empty_postgres(settings: Settings) -> None:
    import asyncpg

    connection = await asyncpg.connect(settings.database_url)
    try:
        tables = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
    finally:
        await connection.close()
    if tables:
        raise BackupError("AUTOSTACK_DATABASE_URL names a database that has tables: restore "
                          "into a new, empty database")


def open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a readable backup: {error}") from error


def restore_files(settings: Settings, archive_path: Path) -> BackupInfo:
    """Unpack the archive into the (empty) data dir and load its database."""
    check_target(settings)
    with open_archive(archive_path) as archive:
        member = archive.extractfile(INFO) if INFO in archive.getnames() else None
        if member is None:
            raise BackupError(f"{archive_path} is not an AutoStack backup (no {INFO})")
        info = BackupInfo.read(member.read())
        wanted = "sqlite" if settings.is_sqlite else "postgresql"
        if info.database != wanted:
            raise BackupError(f"the backup holds a {info.database} database and this server "
                              f"uses {wanted}: set AUTOSTACK_DATABASE_URL like the backed-up "
                              "server's (see its settings.env)")
        if wanted == "postgresql":
            asyncio.run(check_empty_postgres(settings))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.data_dir.chmod(0o700)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.data_dir))
        archive.extractall(staging, filter="data")
    for name in ("store", "git", KEY_FILE_NAME):
        if (staging / name).exists():
            (staging / name).replace(settings.path(name))
    (staging / SETTINGS_FILE).replace(settings.path(RESTORED_SETTINGS))
    settings.path(RESTORED_SETTINGS).chmod(0o600)
    if info.database == "sqlite":
        (staging / SQLITE_DUMP).replace(sqlite_path(settings))
    else:
        loaded = subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--dbname", str(settings.database_url), str(staging / POSTGRES_DUMP)],
            capture_output=True, text=True, check=False)
        if loaded.returncode != 0:
            raise BackupError(f"pg_restore failed: {loaded.stderr.strip()}")
    shutil.rmtree(staging)
    return info


async def route_deployments(app: AutoStack) -> int:
    """Deploy and bind every ready deployment an alias points at; return how many aliases."""
    from autostack_core.infrastructure.models import Alias, DeploymentState
    from autostack_core.services import releases

    aliases = await Alias.filter(deployment__state=DeploymentState.READY).prefetch_related(
        "deployment", "project")
    for alias in aliases:
        if alias.deployment is not None:
            await releases.bind(app, alias.project, alias.deployment, alias.hostname)
    return len(aliases)


def restore(settings: Settings, archive_path: Path) -> tuple[BackupInfo, int]:
    """Restore the archive onto ``settings``' new data dir; return it and the aliases routed."""
    from autostack_core.app import AutoStack

    info = restore_files(settings, archive_path)

    async def serve() -> int:
        app = AutoStack(settings)
        await app.startup()
        try:
            return await route_deployments(app)
        finally:
            await app.shutdown()

    return info, asyncio.run(serve())
