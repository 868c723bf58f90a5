"""Running queued tasks inside a test, where no consumer runs."""

from __future__ import annotations

from autostack_core.app import AutoStack


async def run_queued(app: AutoStack, name: str) -> int:
    """Run every queued task called ``name`` on this event loop; discard the others.

    Returns how many ran, so a test also checks that the work was queued.
    """
    ran = 0
    while (message := app.queue.huey.dequeue()) is not None:
        if message.name == name:
            await app.queue.jobs[name](*message.args)
            ran += 1
    return ran
