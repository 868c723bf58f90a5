"""Announcements for live views: in-process wake-ups, plus Redis pub/sub across processes.

The database stays the source of truth: a subscriber is only told *that*
something changed on a channel and re-reads what it shows, so a missed
message costs at most one poll interval, never data.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator

from redis import asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

LISTEN_POLL_SECONDS = 0.5
"""How long the Redis listener waits for a message before it checks whether to stop
(``stop`` wakes it at once with a message of its own; this is the fallback)."""
SUBSCRIBE_SECONDS = 10.0
"""How long ``start`` waits for Redis to confirm the subscription."""


class EventBus:
    def __init__(self, redis_url: str | None = None) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._redis = aioredis.from_url(redis_url) if redis_url else None
        self._listener: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._stop_channel = f"autostack:stop:{secrets.token_hex(8)}"

    async def publish(self, channel: str) -> None:
        if self._redis is not None:
            await self._redis.publish(f"autostack:{channel}", b"1")
        else:
            self._wake(channel)

    def _wake(self, channel: str) -> None:
        for event in self._waiters.get(channel, ()):
            event.set()

    async def start(self) -> None:
        """Listen to Redis, subscribed by the time this returns: an announcement made after
        start (a deployment created right after the server started) wakes its subscribers
        instead of waiting out their poll interval."""
        if self._redis is not None and self._listener is None:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe("autostack:*")
                # Sending the subscription is not having it: Redis confirms it on this
                # connection, after which every publish reaches the listener.
                async with asyncio.timeout(SUBSCRIBE_SECONDS):
                    while (await pubsub.get_message(timeout=SUBSCRIBE_SECONDS) or {}) \
                            .get("type") != "psubscribe":
                        pass
            except BaseException:
                await pubsub.aclose()
                raise
            self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: PubSub) -> None:
        """Relay Redis announcements until ``stop`` says so.

        Stopped by a flag, not by cancelling: redis-py 8's pub/sub read defers a
        cancel until the connection's teardown finishes, so a cancelled listener
        can wait forever for a message that never comes.
        """
        try:
            while not self._stopping.is_set():
                message = await pubsub.get_message(ignore_subscribe_messages=True,
                                                   timeout=LISTEN_POLL_SECONDS)
                if message is not None and message.get("type") == "pmessage":
                    channel = message["channel"].decode().removeprefix("autostack:")
                    self._wake(channel)
        finally:
            await pubsub.aclose()

    async def stop(self) -> None:
        if self._redis is None:
            return
        if self._listener is not None:
            self._stopping.set()
            with contextlib.suppress(RedisError):  # a lost wake-up waits one poll, no more
                await self._redis.publish(self._stop_channel, b"1")
            await self._listener
            self._listener = None
        await self._redis.aclose()

    async def changes(self, channel: str, poll_seconds: float = 1.0) -> AsyncIterator[None]:
        """Yield once now, then whenever ``channel`` is announced (or every poll interval)."""
        event = asyncio.Event()
        self._waiters[channel].add(event)
        try:
            while True:
                yield
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancel that arrives as the event fires, and the caller waits forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll_seconds):
                        await event.wait()
                event.clear()
        finally:
            self._waiters[channel].discard(event)
            if not self._waiters[channel]:
                del self._waiters[channel]
