"""Redis from Debian's ``redis-server``: a password, RDB snapshots, BGSAVE backups.

Listens only on ``127.0.0.1:port`` with ``requirepass``; no Unix socket, and
the dangerous admin commands (``CONFIG``, ``DEBUG``, ``MODULE``) renamed away
so a linked app cannot point the server at other files.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from autostack_core.interfaces.services import (
    IMAGE_CONFIG,
    SANDBOX_DATA,
    ServiceImage,
    ServiceInstance,
)

from .tools import folder_size

BGSAVE_SECONDS = 300
IMAGE_VARIABLE = "AUTOSTACK_REDIS_IMAGE"
DEFAULT_IMAGE = "docker.io/library/redis:7"


def config_text(instance: ServiceInstance, bind: str, folder: str) -> str:
    """``redis.conf``: the password, the address and port, RDB snapshots in ``folder``."""
    return "\n".join([
        f"bind {bind}", f"port {instance.port}", "protected-mode yes",
        f'requirepass "{instance.password}"', f"dir {folder}",
        "dbfilename dump.rdb", "save 300 1", "appendonly no", "daemonize no",
        'rename-command CONFIG ""', 'rename-command DEBUG ""', 'rename-command MODULE ""',
    ]) + "\n"


class Redis:
    name = "redis"
    title = "Redis"
    env_key = "REDIS_URL"
    backup_suffix = ".rdb"
    restores_offline = True

    def available(self) -> str | None:
        return None if shutil.which("redis-server") else \
            "redis-server not found (apt-get install redis-server)"

    async def initialize(self, instance: ServiceInstance,
                         sandboxed: Callable[[list[str]], Awaitable[str]]) -> None:
        config = instance.data_dir / "redis.conf"
        config.write_text(config_text(instance, "127.0.0.1", SANDBOX_DATA))
        config.chmod(0o600)

    def command(self, instance: ServiceInstance) -> list[str]:
        return [str(shutil.which("redis-server")), f"{SANDBOX_DATA}/redis.conf"]

    def image(self, instance: ServiceInstance, listen: str) -> ServiceImage:
        """The official ``redis`` image (``AUTOSTACK_REDIS_IMAGE`` names another with the
        same interface) with the same ``redis.conf``, given as a file, data in ``/data``;
        ``REDISCLI_AUTH`` (only ``redis-cli`` reads it) lets its backup scripts log in.
        A backup is ``redis-cli --rdb -`` (a full sync's RDB); a restore puts the RDB in
        place of ``dump.rdb`` and stops the server without saving a second later, in the
        background (the exec has ended by then: the runtime would kill it with the
        container): the container restarts and loads it."""
        client = f"redis-cli --no-auth-warning -h 127.0.0.1 -p {instance.port}"
        return ServiceImage(
            image=os.environ.get(IMAGE_VARIABLE) or DEFAULT_IMAGE,
            args=("redis-server", f"{IMAGE_CONFIG}/redis.conf"),
            port=instance.port, data_path="/data",
            env={"REDISCLI_AUTH": instance.password},
            files={"redis.conf": config_text(instance, listen, "/data")},
            backup_script=f"exec {client} --rdb -",
            restore_script=('head -c "$1" > /data/restore.rdb && '
                            "mv /data/restore.rdb /data/dump.rdb && "
                            f"{{ (sleep 1; exec {client} SHUTDOWN NOSAVE) >/dev/null 2>&1 & }}"))

    def url(self, instance: ServiceInstance, host: str = "127.0.0.1") -> str:
        return f"redis://:{quote(instance.password, safe='')}@{host}:{instance.port}/0"

    def _client(self, instance: ServiceInstance) -> aioredis.Redis:
        return aioredis.Redis(host="127.0.0.1", port=instance.port, password=instance.password,
                              socket_timeout=5, socket_connect_timeout=2)

    async def ready(self, instance: ServiceInstance) -> bool:
        client = self._client(instance)
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()

    async def backup(self, instance: ServiceInstance, target: Path) -> None:
        client = self._client(instance)
        try:
            await client.bgsave()
            deadline = time.monotonic() + BGSAVE_SECONDS
            while (info := await client.info("persistence"))["rdb_bgsave_in_progress"]:
                if time.monotonic() > deadline:
                    raise RuntimeError("BGSAVE did not finish in time")
                await asyncio.sleep(0.05)
            if info["rdb_last_bgsave_status"] != "ok":
                raise RuntimeError("BGSAVE failed: see the server's log")
        except RedisError as error:
            raise RuntimeError(f"BGSAVE failed: {error}") from error
        finally:
            await client.aclose()
        await asyncio.to_thread(shutil.copyfile, instance.data_dir / "dump.rdb", target)

    async def restore(self, instance: ServiceInstance, source: Path) -> None:
        """Put the backup in place of ``dump.rdb`` while the server is stopped."""
        await asyncio.to_thread(shutil.copyfile, source, instance.data_dir / "dump.rdb")

    async def size(self, instance: ServiceInstance) -> int | None:
        return await asyncio.to_thread(folder_size, str(instance.data_dir))
