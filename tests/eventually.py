"""Waiting in tests for a state reached asynchronously: poll with a deadline.

A state another task, thread or process reaches (a status, a log line, an
event, a file) is read until it holds, never right after the action nor after
a fixed sleep. The deadline is generous (CI runs two test passes side by side
on two shared cores): it only bounds how long a broken test takes to fail.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_SECONDS = 30.0


async def eventually(probe: Callable[[], T | Awaitable[T]], what: str,
                     seconds: float = DEADLINE_SECONDS, interval: float = 0.05) -> T:
    """Call ``probe`` (plain or async) until it returns something true and return that;
    fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s (last: {result!r})")
        await asyncio.sleep(interval)
