"""What the API, commands and the schedule do to databases: start, delete, back up, restore.

One :class:`~.runner.ServiceRunner` per server process that runs the queue
consumer (``autostack up``): its local databases run there; those of a container
runtime (``Database.runtime``) are started from there on it (:mod:`.images`). A process without one
(``autostack worker``, tests without a consumer) records changes and backs
up over the loopback, and leaves starting and stopping to the server.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.databases import Database, DatabaseBackup
from autostack_core.services import databases

from . import images
from .runner import ServiceError, ServiceRunner

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.services import Service, ServiceBackupHost, ServiceInstance

logger = logging.getLogger(__name__)

RUNNERS: dict[int, ServiceRunner] = {}
_STARTING: set[asyncio.Task[None]] = set()
BACKUP_TASK = "databases_backup"


def new_runner(app: AutoStack) -> ServiceRunner:
    runner = ServiceRunner(app.settings.path("services"), databases.set_status)
    RUNNERS[id(app)] = runner
    return runner


def runner_of(app: AutoStack) -> ServiceRunner | None:
    return RUNNERS.get(id(app))


def backups_dir(app: AutoStack, database: Database) -> Path:
    return app.settings.path("services", str(database.id), "backups")


async def start(app: AutoStack, database: Database) -> None:
    """Set up (the first time) and start ``database``'s server; its status says how it went."""
    runner = runner_of(app)
    if runner is None:
        return
    service = (await databases.services_of(app)).get(database.kind)
    if service is None:
        await databases.set_status(database.id, "failed",
                                   f"no plugin provides the database type {database.kind}")
        return
    data = runner.data_dir(database.id)
    instance = databases.instance_of(database, data)
    if database.runtime != databases.LOCAL:
        try:
            await images.start(app, database, service, instance)
        except Exception as error:  # a runtime's own errors (podman, the cluster's API)
            logger.warning("database %s on %s: %s", database.id, database.runtime, error)
            await databases.set_status(database.id, "failed", str(error))
            return
        await databases.set_status(database.id, "running", None)
        return
    try:
        if not data.exists():
            await runner.initialize(database.id, service, instance)
        await runner.start(database.id, service, instance)
    except (ServiceError, OSError) as error:
        await databases.set_status(database.id, "failed", str(error))
        return
    await databases.set_status(database.id, "running", None)


def start_soon(app: AutoStack, database: Database) -> None:
    """:func:`start` in the background (a first initdb takes seconds)."""
    task = asyncio.create_task(start(app, database))
    _STARTING.add(task)
    task.add_done_callback(_STARTING.discard)


async def start_all(app: AutoStack) -> None:
    for database in await Database.exclude(status="stopped"):
        start_soon(app, database)


async def delete(app: AutoStack, database: Database) -> None:
    """Stop the server, delete the row (links and backups with it), then its files."""
    runner = runner_of(app)
    if database.runtime != databases.LOCAL:
        await images.remove(app, database)
    elif runner is not None:
        await runner.stop(database.id)
    await database.delete()
    await asyncio.to_thread(shutil.rmtree, app.settings.path("services", str(database.id)),
                            True)


async def size_of(app: AutoStack, database: Database) -> int | None:
    service = (await databases.services_of(app)).get(database.kind)
    folder = app.settings.path("services", str(database.id), "data")
    if service is None or not folder.exists():
        return None
    return await service.size(databases.instance_of(database, folder))


async def backup(app: AutoStack, database: Database) -> DatabaseBackup:
    """Back up now (recorded ``running``, then ``done`` or ``failed``), then drop the
    backups past ``backup_keep``."""
    service = await databases.service_for(app, database.kind)
    in_container = images.backup_host(app, database)
    if database.status != "running":
        raise ApiError(409, f"{database.name} is {database.status}: only a running database "
                            "can be backed up")
    folder = backups_dir(app, database)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**6:06d}"
    record = await DatabaseBackup.create(database=database, file=name + service.backup_suffix)
    target = folder / record.file
    instance = databases.instance_of(database, folder.parent / "data")
    try:
        if in_container is None:
            await service.backup(instance, target)
        else:
            await images.backup_in_container(app, in_container, database, service, instance,
                                             target)
    except (RuntimeError, OSError) as error:
        target.unlink(missing_ok=True)
        record.status, record.error = "failed", str(error)
        await record.save()
        return record
    record.status, record.size_bytes = "done", target.stat().st_size
    await record.save()
    for old in await databases.expired_backups(database):
        (folder / old.file).unlink(missing_ok=True)
        await old.delete()
    return record


async def restore(app: AutoStack, database: Database, record: DatabaseBackup) -> None:
    """Restore ``record`` into ``database`` (stopping the server first for Redis)."""
    service = await databases.service_for(app, database.kind)
    if record.status != "done":
        raise ApiError(409, f"backup {record.id} is {record.status}: restore a finished one")
    source = backups_dir(app, database) / record.file
    instance = databases.instance_of(database, app.settings.path(
        "services", str(database.id), "data"))
    runner = runner_of(app)
    in_container = images.backup_host(app, database)
    if in_container is not None:
        await _restore_in_container(app, in_container, database, service, instance, source)
        return
    if service.restores_offline:
        if runner is None:
            raise ApiError(409, "restore on the server that runs the databases")
        if database.runtime != databases.LOCAL:
            await images.remove(app, database)  # the container; its data folder stays
        await runner.stop(database.id)
        await databases.set_status(database.id, "starting", "restoring")
        try:
            await service.restore(instance, source)
        finally:
            await start(app, database)
        return
    try:
        await service.restore(instance, source)
    except RuntimeError as error:
        raise ApiError(500, f"restore failed: {error}") from error


async def _restore_in_container(app: AutoStack, host: ServiceBackupHost,
                                database: Database, service: Service,
                                instance: ServiceInstance, source: Path) -> None:
    """A cluster's database: the restore runs in its container; an offline one's server
    stops there and the container's restart policy starts it on the restored data
    (``starting`` while the restore runs: its objects stay applied)."""
    if service.restores_offline:
        await databases.set_status(database.id, "starting", "restoring")
    try:
        await images.restore_in_container(app, host, database, service, instance, source)
    except (RuntimeError, OSError) as error:
        raise ApiError(500, f"restore failed: {error}") from error
    finally:
        if service.restores_offline:
            await databases.set_status(database.id, "running", None)


@dataclass(frozen=True)
class Servers:
    """This module's functions for ``app``, as the dashboard calls them
    (:class:`autostack_core.interfaces.services.DatabaseServers`)."""

    app: AutoStack

    def start_soon(self, database: Database) -> None:
        start_soon(self.app, database)

    async def delete(self, database: Database) -> None:
        await delete(self.app, database)

    async def backup(self, database: Database) -> DatabaseBackup:
        return await backup(self.app, database)

    async def restore(self, database: Database, backup: DatabaseBackup) -> None:
        await restore(self.app, database, backup)

    async def size_of(self, database: Database) -> int | None:
        return await size_of(self.app, database)


async def backup_all(app: AutoStack) -> None:
    """The scheduled backup of every running database (failures recorded on the backup)."""
    for database in await Database.filter(status="running"):
        try:
            await backup(app, database)
        except ApiError as error:
            logger.warning("backup of database %s skipped: %s", database.id, error)
