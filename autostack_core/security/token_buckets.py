"""Token buckets for the rate limits: in this process's memory, or in Redis.

A bucket holds ``burst`` tokens and refills at ``per_second``; each request
takes one, and a request that finds none is told how long until one is back.
:class:`MemoryBuckets` keeps them in one process (a single control plane);
:class:`RedisBuckets` keeps them in Redis (``AUTOSTACK_REDIS_URL``), so every
control plane of one installation takes from the same buckets: one Lua script
refills and takes atomically on Redis's own clock, and a bucket expires once
it would be full again (a full bucket is the default).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis import asyncio as aioredis

MAX_KEYS = 100_000
"""Buckets kept in memory; the least recently used go first (a full bucket is the default)."""
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int

    def __str__(self) -> str:
        return f"{self.per_second:g}/{self.burst}"


def parse_rate(name: str, value: str | None) -> Rate | None:
    """``"20/40"`` is 20 requests a second, 40 at once; unset is no limit. A bad value
    raises :class:`ValueError` naming ``name``."""
    if not value or not value.strip():
        return None
    match = _RATE.match(value)
    if match is None or float(match[1]) <= 0 or int(match[2]) < 1:
        raise ValueError(f"{name} must be RATE/BURST, such as 20/40 (requests per second, "
                         f"then how many at once), not {value!r}")
    return Rate(float(match[1]), int(match[2]))


class Buckets(Protocol):
    async def take(self, key: str, rate: Rate) -> float:
        """Take a token for ``key``: 0 if there was one, else the seconds until there is."""


def _refill(tokens: float, elapsed: float, rate: Rate) -> tuple[float, float]:
    tokens = min(float(rate.burst), tokens + max(0.0, elapsed) * rate.per_second)
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate.per_second


class MemoryBuckets:
    """One process's buckets, on ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, key: str, rate: Rate) -> float:
        now = self.clock()
        tokens, then = self._buckets.pop(key, (float(rate.burst), now))
        tokens, wait = _refill(tokens, now - then, rate)
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return wait


TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local kept = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(kept[1]) or burst
local elapsed = now - (tonumber(kept[2]) or now)
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.min(86400000, math.ceil((burst - tokens) / rate * 1000) + 1000))
return tostring(wait)
"""
"""Refill and take one token atomically; the wait is a string (Lua numbers become integers)."""


class RedisBuckets:
    """Buckets shared by every control plane using the Redis at ``url``, under ``prefix``."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = aioredis.from_url(url)
        self._take: Any = self._redis.register_script(TAKE)
        self.prefix = prefix

    async def take(self, key: str, rate: Rate) -> float:
        wait = await self._take(keys=[f"{self.prefix}{key}"],
                                args=[repr(rate.per_second), rate.burst])
        return float(wait)

    async def close(self) -> None:
        await self._redis.aclose()
