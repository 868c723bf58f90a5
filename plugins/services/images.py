"""Databases on container runtimes: the server from its image, run by the project's runtime.

A database created for a project whose runtime runs images and is a
:class:`~autostack_core.interfaces.services.ServiceHost` (podman's ``containers``,
``kubernetes`` and the clouds built on it) gets that runtime (``Database.runtime``)
instead of the local sandbox: the service's :class:`ServiceImage` (the official
``postgres`` or ``redis`` image's interface) runs there, with the same generated
password, and the URL linked deployments get names the host the runtime gives
(``127.0.0.1`` with podman, ``db-<id>.<namespace>.svc`` on Kubernetes).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.databases import Database
from autostack_core.interfaces.services import (
    ServiceBackupHost,
    ServiceHost,
    ServiceImage,
    ServiceInstance,
)
from autostack_core.services import databases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.services import Service

READY_SECONDS = 120.0
"""How long a first start may take (a pull, then the image's initdb) before it failed."""
LOOPBACK = "127.0.0.1"


def service_id(database: Database) -> str:
    """The database's name on its runtime (DNS-safe, unique on this server)."""
    return f"db-{database.id}"


def host_of(app: AutoStack, database: Database) -> ServiceHost:
    runtime = app.runtimes.get(database.runtime)
    if not isinstance(runtime, ServiceHost):
        raise RuntimeError(f"the runtime {database.runtime!r} that runs this database is not "
                           "installed or runs no databases")
    return runtime


async def start(app: AutoStack, database: Database, service: Service,
                instance: ServiceInstance) -> None:
    """Run the database's image on its runtime and keep the URL its host gives; on the
    loopback, wait until the server answers a real login (``RuntimeError`` if not)."""
    host = host_of(app, database)
    image = getattr(service, "image")(instance, host.service_listen)  # noqa: B009
    instance.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    instance.data_dir.parent.chmod(0o700)
    team, config = await databases.placement_of(database)
    hostname = await host.run_service(service_id(database), image, instance.data_dir, team,
                                      config)
    url = service.url(instance, hostname)
    if database.url != url:
        database.url = url
        await database.save(update_fields=["url_sealed"])
    if hostname != LOOPBACK:
        return  # the cluster's readiness probe gates it; this server cannot reach it
    deadline = time.monotonic() + READY_SECONDS
    while not await service.ready(instance):
        if time.monotonic() > deadline or not await host.service_running(service_id(database)):
            raise RuntimeError(f"{service.title} from {image.image} did not answer on "
                               f"{LOOPBACK}:{instance.port} (see the container's log)")
        await asyncio.sleep(0.2)


async def remove(app: AutoStack, database: Database) -> None:
    """Stop the server on its runtime and delete what the runtime kept (a cluster's
    volume); a runtime no longer installed is skipped."""
    try:
        host = host_of(app, database)
    except RuntimeError:
        return
    team, config = await databases.placement_of(database)
    await host.remove_service(service_id(database), team, config)


def backup_host(app: AutoStack, database: Database) -> ServiceBackupHost | None:
    """Where ``database``'s backups are made: None on this server (``pg_dump`` and
    ``BGSAVE`` over the loopback: local, podman), else its runtime, inside the server's
    container (a cluster's: :class:`ServiceBackupHost`); 409 when neither can."""
    if urlsplit(database.url or "").hostname == LOOPBACK:
        return None
    try:
        host = host_of(app, database)
    except RuntimeError as error:
        raise ApiError(409, str(error)) from error
    if not isinstance(host, ServiceBackupHost):
        raise ApiError(409, f"backups of a database on the {database.runtime} runtime are not "
                            "supported: this server cannot reach it and the runtime cannot "
                            "run the backup next to it")
    return host


async def backup_in_container(app: AutoStack, host: ServiceBackupHost, database: Database,
                              service: Service, instance: ServiceInstance,
                              target: Path) -> None:
    """Run the image's backup script in the database's container, output into ``target``
    (RuntimeError when the image has none or it fails)."""
    image = _image(host, service, instance)
    if not image.backup_script:
        raise RuntimeError(f"the {service.title} image gives no backup script")
    team, config = await databases.placement_of(database)
    await host.backup_service(service_id(database), image, target, team, config)


async def restore_in_container(app: AutoStack, host: ServiceBackupHost, database: Database,
                               service: Service, instance: ServiceInstance,
                               source: Path) -> None:
    """Stream ``source`` into the image's restore script in the database's container."""
    image = _image(host, service, instance)
    if not image.restore_script:
        raise RuntimeError(f"the {service.title} image gives no restore script")
    team, config = await databases.placement_of(database)
    await host.restore_service(service_id(database), image, source, team, config)


def _image(host: ServiceBackupHost, service: Service,
           instance: ServiceInstance) -> ServiceImage:
    listen = getattr(host, "service_listen", "0.0.0.0")
    found: ServiceImage = getattr(service, "image")(instance, listen)  # noqa: B009
    return found
