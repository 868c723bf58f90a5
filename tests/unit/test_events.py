"""The event bus: announcements reach subscribers, and stopping it returns."""

from __future__ import annotations

import asyncio

import pytest

from autostack_core.infrastructure.events import EventBus
from tests.conftest import REDIS_URL

BUSES = [pytest.param(None, id="in-process"),
         pytest.param(REDIS_URL, id="redis", marks=pytest.mark.skipif(
             REDIS_URL is None, reason="AUTOSTACK_TEST_REDIS_URL is not set"))]


async def next_change(bus: EventBus, channel: str) -> None:
    changes = bus.changes(channel, poll_seconds=60)
    await anext(changes)  # the first one is immediate
    await anext(changes)
    await changes.aclose()


@pytest.mark.parametrize("redis_url", BUSES)
async def test_an_announcement_wakes_a_subscriber_and_stop_returns(redis_url: str | None) -> None:
    """``stop`` returns (a hang fails through the wait_for). The shutdown hang on Redis that
    redis-py 8 caused (a cancelled listener that never ended) showed only inside a server
    (the PostgreSQL + Redis pass of the fast tier), not with the bus alone."""
    bus = EventBus(redis_url)
    await bus.start()
    waiter = asyncio.create_task(next_change(bus, "project:1"))
    async with asyncio.timeout(10):
        while not waiter.done():  # announced again until the listener has subscribed
            await bus.publish("project:1")
            await asyncio.sleep(0.05)
    await waiter
    await asyncio.wait_for(bus.stop(), 10)


@pytest.mark.parametrize("redis_url", BUSES)
async def test_a_bus_stopped_right_after_it_started_stops(redis_url: str | None) -> None:
    """The listener may still be subscribing (a server that stops as soon as it started)."""
    for pause in (0, 0.01, 0.1):
        bus = EventBus(redis_url)
        await bus.start()
        await asyncio.sleep(pause)
        await asyncio.wait_for(bus.stop(), 10)


@pytest.mark.parametrize("redis_url", BUSES)
async def test_one_announcement_right_after_start_wakes_a_subscriber(
        redis_url: str | None) -> None:
    """``start`` returns subscribed: a deployment created as soon as the server started
    was announced before the Redis listener had subscribed, and its page heard of it only
    at its next poll (the fast tier's stream tests waited 3 s, the poll is 5 s)."""
    bus = EventBus(redis_url)
    await bus.start()
    try:
        changes = bus.changes("project:1", poll_seconds=60)
        await anext(changes)  # the first one is immediate
        waiter = asyncio.ensure_future(anext(changes))
        await bus.publish("project:1")
        await asyncio.wait_for(waiter, 10)
        await changes.aclose()
    finally:
        await asyncio.wait_for(bus.stop(), 10)
