"""PostgreSQL from Debian's binaries: initdb with a SCRAM password, pg_dump and pg_restore.

The server listens only on ``127.0.0.1:port`` (its Unix socket stays in the
sandbox's private ``/tmp``), with one role, ``autostack``, whose password is
the generated one, and one database named like the service.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from autostack_core.interfaces.services import SANDBOX_DATA, ServiceImage, ServiceInstance

from .tools import folder_size, postgres_bin, run

USER = "autostack"
IMAGE_VARIABLE = "AUTOSTACK_POSTGRES_IMAGE"
NEWEST_IMAGE_MAJOR = "16"
IMAGE_DATA = "/var/lib/postgresql/data"
IMAGE_CLIENT = ('PGPASSWORD="$POSTGRES_PASSWORD" PGHOST=127.0.0.1 PGPORT={port} '
                'PGUSER="$POSTGRES_USER"')
"""How ``pg_dump`` / ``pg_restore`` inside the image's container log in (its variables;
the password never on a command line): the same image, so the same major version."""


def default_image() -> str:
    """The official image of the major version of this server's ``pg_dump`` (Debian's
    newest; 16 without one): ``pg_dump`` refuses a server newer than itself, so backups
    of a database on podman, taken over the loopback with it, keep working."""
    found = postgres_bin("pg_dump") or ""
    parts = found.split("/")
    major = parts[4] if found.startswith("/usr/lib/postgresql/") and len(parts) > 4 else ""
    return f"docker.io/library/postgres:{major if major.isdigit() else NEWEST_IMAGE_MAJOR}"


class Postgres:
    name = "postgres"
    title = "PostgreSQL"
    env_key = "DATABASE_URL"
    backup_suffix = ".dump"
    restores_offline = False

    def available(self) -> str | None:
        missing = [tool for tool in ("initdb", "postgres", "pg_dump", "pg_restore")
                   if postgres_bin(tool) is None]
        return f"{', '.join(missing)} not found (apt-get install postgresql)" if missing else None

    async def initialize(self, instance: ServiceInstance,
                         sandboxed: Callable[[list[str]], Awaitable[str]]) -> None:
        secret = instance.data_dir / ".password"
        secret.write_text(instance.password)
        secret.chmod(0o600)
        os.chown(secret, os.stat(instance.data_dir).st_uid, -1)
        try:
            await sandboxed([str(postgres_bin("initdb")), "-D", f"{SANDBOX_DATA}/pgdata",
                             "-U", USER, "--auth=scram-sha-256",
                             f"--pwfile={SANDBOX_DATA}/.password", "-E", "UTF8",
                             "--locale=C.UTF-8", "--no-sync"])
        finally:
            secret.unlink()
        # The service's own database, made in single-user mode: no server listens yet.
        create = f'CREATE DATABASE "{instance.name}" OWNER {USER};'
        await sandboxed(["/bin/sh", "-c", f"echo '{create}' | {postgres_bin('postgres')} "
                                          f"--single -D {SANDBOX_DATA}/pgdata postgres"])

    def command(self, instance: ServiceInstance) -> list[str]:
        return [str(postgres_bin("postgres")), "-D", f"{SANDBOX_DATA}/pgdata",
                "-c", "listen_addresses=127.0.0.1", "-c", f"port={instance.port}",
                "-c", "unix_socket_directories=/tmp", "-c", "password_encryption=scram-sha-256"]

    def image(self, instance: ServiceInstance, listen: str) -> ServiceImage:
        """The official ``postgres`` image (``AUTOSTACK_POSTGRES_IMAGE`` names another with
        the same interface): its entrypoint runs initdb with SCRAM, the role and the
        database from ``POSTGRES_*`` the first time; ``PGDATA`` a folder below the volume's
        top (a fresh volume may hold ``lost+found``)."""
        return ServiceImage(
            image=os.environ.get(IMAGE_VARIABLE) or default_image(),
            args=("postgres", "-c", f"listen_addresses={listen}", "-c", f"port={instance.port}",
                  "-c", "password_encryption=scram-sha-256"),
            port=instance.port, data_path=IMAGE_DATA,
            env={"POSTGRES_USER": USER, "POSTGRES_PASSWORD": instance.password,
                 "POSTGRES_DB": instance.name, "PGDATA": f"{IMAGE_DATA}/pgdata",
                 "POSTGRES_INITDB_ARGS": "--auth=scram-sha-256",
                 "POSTGRES_HOST_AUTH_METHOD": "scram-sha-256"},
            backup_script=f'{IMAGE_CLIENT} exec pg_dump -Fc "$POSTGRES_DB"'.format(
                port=instance.port),
            restore_script=f'head -c "$1" | {IMAGE_CLIENT} pg_restore --clean --if-exists '
                           '--no-owner --single-transaction -d "$POSTGRES_DB"'.format(
                               port=instance.port))

    def url(self, instance: ServiceInstance, host: str = "127.0.0.1") -> str:
        return (f"postgresql://{USER}:{quote(instance.password, safe='')}@{host}:"
                f"{instance.port}/{instance.name}")

    async def ready(self, instance: ServiceInstance) -> bool:
        import asyncpg  # here: 14 MiB and 0.1 s of every server's start otherwise (issue 19)

        try:
            connection = await asyncpg.connect(self.url(instance), timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    def _client_env(self, instance: ServiceInstance) -> dict[str, str]:
        return {"PGPASSWORD": instance.password, "PGHOST": "127.0.0.1",
                "PGPORT": str(instance.port), "PGUSER": USER, "PGCONNECT_TIMEOUT": "10"}

    async def backup(self, instance: ServiceInstance, target: Path) -> None:
        await run([str(postgres_bin("pg_dump")), "-Fc", "-f", str(target), instance.name],
                  env=self._client_env(instance))

    async def restore(self, instance: ServiceInstance, source: Path) -> None:
        await run([str(postgres_bin("pg_restore")), "--clean", "--if-exists", "--no-owner",
                   "--single-transaction", "-d", instance.name, str(source)],
                  env=self._client_env(instance))

    async def size(self, instance: ServiceInstance) -> int | None:
        return await asyncio.to_thread(folder_size, str(instance.data_dir))
