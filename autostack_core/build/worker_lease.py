"""Leases of queue consumers in Redis: how a node tells that a worker on another host died.

Every consumer (``autostack up``, ``autostack worker``) renews a key named after
its ``host:pid`` every :data:`RENEW_SECONDS`, expiring after :data:`LEASE_SECONDS`.
A pid can only be checked on its own host; on another, a deployment whose
worker's lease has lapsed is lost (:mod:`autostack_core.build.lost_deployments`).
Without Redis there is one machine, and no lease.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autostack_core.config import Settings

LEASE_SECONDS = 90
RENEW_SECONDS = 20
logger = logging.getLogger("autostack.queue")


def lease_key(settings: Settings, worker_id: str) -> str:
    return f"autostack:{settings.queue_name}:worker:{worker_id}"


def _redis(settings: Settings) -> Any:
    import redis

    return redis.Redis.from_url(settings.redis_url or "")


def hold_lease(settings: Settings, worker_id: str) -> None:
    """Renew this consumer's lease in a daemon thread for as long as the process lives
    (a process that dies leaves its lease to expire)."""
    if not settings.redis_url:
        return
    client = _redis(settings)

    def renew() -> None:
        while True:
            try:
                client.set(lease_key(settings, worker_id), "1", ex=LEASE_SECONDS)
            except Exception:  # a Redis hiccup: the lease has LEASE_SECONDS of slack
                logger.warning("could not renew the worker lease", exc_info=True)
            time.sleep(RENEW_SECONDS)

    threading.Thread(target=renew, name="worker-lease", daemon=True).start()


def lease_lapsed(settings: Settings, worker_id: str) -> bool:
    """Whether the worker's lease is gone (False without Redis: nothing to tell)."""
    if not settings.redis_url:
        return False
    return not _redis(settings).exists(lease_key(settings, worker_id))
