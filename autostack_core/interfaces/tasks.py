"""Queue tasks and periodic jobs that plugins hand the core (``register_tasks``).

A task runs in a queue consumer (the server started with ``autostack up``, or
``autostack worker``), never in the request that asked for it: the API and
the dashboard enqueue it by name with ``app.queue.enqueue(name, *args)`` and
return. Arguments are pickled into the queue, so pass ids and plain values,
never objects. A periodic job is a task with a :class:`Cron` schedule, run by
every consumer's scheduler with no arguments: make it cheap when there is
nothing to do and safe to run twice (two workers may each run it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cron:
    """A cron schedule in UTC; each field takes cron syntax (``"*/5"``, ``"1,31"``).

    ``Cron(minute="41")`` runs hourly at :41, ``Cron(minute="0", hour="3")``
    daily at 03:00.
    """

    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"


@dataclass(frozen=True)
class Task:
    """An async function the queue runs under a unique ``name``.

    Without ``schedule`` it runs when something enqueues ``name`` (with the
    arguments given there); with one it is a periodic job, run on that
    schedule with no arguments and not enqueued by name. An exception is
    logged by the queue and not retried: record failures where users see
    them, as the core does for deployments.
    """

    name: str
    run: Callable[..., Coroutine[Any, Any, Any]]
    schedule: Cron | None = None
