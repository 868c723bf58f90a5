"""Database services (``register_services``): PostgreSQL, Redis and what plugins add.

A :class:`Service` is a kind of database a team can create with one click. The
core keeps the database's row (name, port, sealed password, links to projects,
backups) and runs its process on the local runtime: it asks the service to
:meth:`Service.initialize` an empty data folder once, then runs
:meth:`Service.command` (a server in the foreground, listening only on
``127.0.0.1:port``) in a sandbox, restarts it when it crashes and stops it
when the database is deleted. Linked deployments get :meth:`Service.url` in
the variable :attr:`Service.env_key`.

Paths a service gets are the host's; :meth:`Service.command` runs in a
sandbox where the data folder is mounted at :data:`SANDBOX_DATA` instead.

On a container runtime (a runtime that is also a :class:`ServiceHost`: podman,
Kubernetes) the same database runs from an image instead: a service that has
an ``image(instance, listen)`` method returns a :class:`ServiceImage` (the
official image's interface: ``postgres``, ``redis``) and the runtime runs it
with its data on a volume; linked deployments get the URL the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from autostack_core.infrastructure.models.databases import Database, DatabaseBackup

SANDBOX_DATA = "/data"
"""Where the data folder is inside the sandbox the server runs in."""
IMAGE_CONFIG = "/etc/autostack"
"""Where a :class:`ServiceImage`'s ``files`` are, read-only, inside its container."""


@dataclass(frozen=True)
class ServiceInstance:
    """One database as a service sees it."""

    name: str
    port: int
    password: str
    data_dir: Path
    """The host's folder of its data, owned by the uid the server runs as."""


@runtime_checkable
class Service(Protocol):
    """A kind of database: its process, its URL and its backups."""

    name: str
    """The kind's slug (``postgres``): what ``--type`` names."""
    title: str
    """What the dashboard shows (``PostgreSQL``)."""
    env_key: str
    """The variable linked deployments get the URL in (``DATABASE_URL``)."""
    backup_suffix: str
    """The ending of its backup files (``.dump``)."""
    restores_offline: bool
    """True when :meth:`restore` needs the server stopped (the core stops it, then starts
    it again); False when it restores into the running server."""

    def available(self) -> str | None:
        """None when this server can run it, else why not (``initdb not found``)."""
        ...

    async def initialize(self, instance: ServiceInstance,
                         sandboxed: Callable[[list[str]], Awaitable[str]]) -> None:
        """Fill the empty ``instance.data_dir`` with ``instance.password`` as the only way
        in. Called once. Files written on the host are chowned by the core afterwards;
        ``sandboxed(argv)`` runs a tool (initdb) in the server's sandbox, as its uid, and
        returns its output (``RuntimeError`` with it when it fails)."""
        ...

    def command(self, instance: ServiceInstance) -> list[str]:
        """The server's argv, in the foreground, its data at :data:`SANDBOX_DATA`, listening
        only on ``127.0.0.1:instance.port``."""
        ...

    def url(self, instance: ServiceInstance, host: str = "127.0.0.1") -> str:
        """The connection URL with its password (what linked deployments get)."""
        ...

    async def ready(self, instance: ServiceInstance) -> bool:
        """Whether the running server answers (a real login, not only an open port)."""
        ...

    async def backup(self, instance: ServiceInstance, target: Path) -> None:
        """Write a backup of the running server to ``target``; raise ``RuntimeError`` with
        the tool's message on failure."""
        ...

    async def restore(self, instance: ServiceInstance, source: Path) -> None:
        """Restore a backup made by :meth:`backup` (see :attr:`restores_offline`); raise
        ``RuntimeError`` with the tool's message on failure."""
        ...

    async def size(self, instance: ServiceInstance) -> int | None:
        """The bytes its data takes, or None when it cannot say."""
        ...


@dataclass(frozen=True)
class ServiceImage:
    """A database server as a container image runs it (a service's ``image(instance,
    listen)``): the image's own entrypoint is kept, ``args`` are its command."""

    image: str
    """The reference (``docker.io/library/postgres:16``); settable per server."""
    args: tuple[str, ...]
    port: int
    """The port it listens on, also inside its container (the instance's port)."""
    data_path: str
    """Where the data volume is mounted in the container."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables with secrets (``POSTGRES_PASSWORD``): a Secret on Kubernetes."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Files with secrets (``redis.conf``), mounted read-only at :data:`IMAGE_CONFIG`."""
    backup_script: str = ""
    """A ``sh -c`` script run inside the server's container (its variables set) that writes
    a backup, in the format :meth:`Service.backup` makes, to its standard output; empty
    when the image has none (:class:`ServiceBackupHost`)."""
    restore_script: str = ""
    """A ``sh -c`` script run inside the server's container that reads a backup of ``$1``
    bytes from its standard input and restores it; for a service that
    ``restores_offline`` it ends by stopping the server, which the container's restart
    policy starts again on the restored data."""


@runtime_checkable
class ServiceHost(Protocol):
    """A runtime that runs database servers from images, next to its apps.

    ``service_id`` names one database on the server (stable, DNS-safe:
    ``db-<id>``); ``team`` and ``config`` are the team's slug and its values for
    the runtime's fields, as a release gets them.
    """

    service_listen: str
    """The address a :class:`ServiceImage` listens on there (``127.0.0.1`` when apps
    reach it through the host's loopback, ``0.0.0.0`` behind a cluster Service)."""

    async def run_service(self, service_id: str, image: ServiceImage, data_dir: Path,
                          team: str, config: Mapping[str, str]) -> str:
        """Start the server (idempotent; its data in ``data_dir`` on this machine, or on
        a volume of the runtime's own); the host name linked apps reach it at."""
        ...

    async def service_running(self, service_id: str) -> bool:
        """Whether this runtime runs ``service_id`` now (as far as it can tell)."""
        ...

    async def remove_service(self, service_id: str, team: str,
                             config: Mapping[str, str]) -> None:
        """Stop the server and delete what the runtime kept of it (its volume too)."""
        ...


@runtime_checkable
class ServiceBackupHost(Protocol):
    """A :class:`ServiceHost` that backs up and restores a database inside its container
    (:attr:`ServiceImage.backup_script`), for databases this server cannot reach (a
    cluster's); arguments as :meth:`ServiceHost.run_service`'s."""

    async def backup_service(self, service_id: str, image: ServiceImage, target: Path,
                             team: str, config: Mapping[str, str]) -> None:
        """Run ``image.backup_script`` in the server's container, its output into
        ``target``; ``RuntimeError`` with the script's errors when it fails."""
        ...

    async def restore_service(self, service_id: str, image: ServiceImage, source: Path,
                              team: str, config: Mapping[str, str]) -> None:
        """Run ``image.restore_script`` in the server's container with ``source`` on its
        standard input; ``RuntimeError`` with the script's errors when it fails."""
        ...


class DatabaseServers(Protocol):
    """What the dashboard asks of the plugin that runs the database servers
    (``register_database_servers``, kept as ``app.database_servers``), so its pages
    need no import of that plugin; the plugin's API routes call the same functions.

    Errors are :class:`autostack_core.errors.ApiError` (409 for a database that is
    not running, a backup that did not finish).
    """

    def start_soon(self, database: Database) -> None:
        """Start ``database``'s server in the background; its status says how it went."""
        ...

    async def delete(self, database: Database) -> None:
        """Stop the server, delete the row (links and backups with it), then its files."""
        ...

    async def backup(self, database: Database) -> DatabaseBackup:
        """Back up now: the backup, ``done`` or ``failed`` (with ``error``)."""
        ...

    async def restore(self, database: Database, backup: DatabaseBackup) -> None:
        """Overwrite ``database``'s data with ``backup``'s."""
        ...

    async def size_of(self, database: Database) -> int | None:
        """The data folder's bytes on disk, ``None`` before it exists."""
        ...
