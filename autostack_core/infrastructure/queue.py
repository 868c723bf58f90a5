"""The job queue: Huey on SQLite in the data directory, or on Redis when configured.

Tasks run in Huey's worker threads but the database lives on the process's
asyncio loop, so every task hands its coroutine to that loop and waits.

An idle SQLite worker polls; a task put on the queue wakes it at once instead
(:mod:`autostack_core.infrastructure.queue_wake`). Redis workers block on the list.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Result
from huey.consumer import Consumer
from huey.serializer import SignedSerializer

from autostack_core.build.worker_lease import hold_lease
from autostack_core.infrastructure.queue_wake import WakingConsumer, WakingSqliteStorage
from autostack_core.security.crypto import derive_key

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.tasks import Task

POLL_MAX_SECONDS = 0.2
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def make_huey(app: AutoStack) -> Huey:
    """Huey on Redis or SQLite, with HMAC-signed messages.

    Huey pickles task messages; anything that can write to the queue (a build
    or an app reaching Redis on the loopback) could otherwise make a worker
    unpickle what it likes. Messages signed with a key derived from the
    keyring are the only ones a worker accepts.
    """
    settings = app.settings
    serializer = SignedSerializer(
        secret=derive_key(app.keyring.keys[0], "queue").hex(), salt="autostack-queue"
    )
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url, utc=True,
                         serializer=serializer)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(settings.path("queue.db")), utc=True,
                      serializer=serializer, storage_class=WakingSqliteStorage)


class Queue:
    """Huey plus the tasks of the platform, bound to one :class:`AutoStack`."""

    def __init__(self, app: AutoStack) -> None:
        self.app = app
        self.huey = make_huey(app)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[str, Any] = {}
        self.jobs: dict[str, Callable[..., Coroutine[Any, Any, Any]]] = {}
        self.periodic_jobs: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {}

    def _on_loop(self, name: str, job: Callable[..., Coroutine[Any, Any, Any]]) -> Any:
        """A thread-side function that runs ``job`` on the queue's event loop and waits."""

        def run_on_loop(*args: Any) -> Any:
            if self.loop is None:
                raise RuntimeError("the queue's event loop is not attached")
            return asyncio.run_coroutine_threadsafe(job(*args), self.loop).result()

        run_on_loop.__name__ = name
        return run_on_loop

    def task(self, name: str, job: Callable[..., Coroutine[Any, Any, Any]]) -> None:
        """Register ``job`` (an async function) as a queue task called ``name``."""
        self.jobs[name] = job
        self._tasks[name] = self.huey.task(name=name, retries=0)(self._on_loop(name, job))

    def periodic(self, name: str, job: Callable[[], Coroutine[Any, Any, Any]],
                 **schedule: str) -> None:
        """Run ``job`` on a cron schedule (``minute="17"`` is hourly at :17) in a consumer."""
        self.periodic_jobs[name] = job
        self.huey.periodic_task(crontab(**schedule), name=name)(self._on_loop(name, job))

    def register(self, task: Task) -> None:
        """Register a :class:`Task`: a periodic job when it has a schedule, else a task.

        A name registered twice is a :class:`ValueError` naming it: a second
        plugin would otherwise take the first one's task over silently.
        """
        if task.name in self.jobs or task.name in self.periodic_jobs:
            raise ValueError(f"queue task {task.name!r} is registered twice")
        if task.schedule is None:
            self.task(task.name, task.run)
        else:
            self.periodic(task.name, task.run, **dataclasses.asdict(task.schedule))

    def enqueue(self, name: str, *args: Any) -> Result:
        """Put task ``name`` on the queue; its :class:`huey.api.Result` can be waited on."""
        result: Result = self._tasks[name](*args)
        return result

    def enqueue_in(self, seconds: float, name: str, *args: Any) -> Result:
        """Put task ``name`` on the queue to run in ``seconds`` (a consumer's scheduler
        checks about every second)."""
        result: Result = self._tasks[name].schedule(args=args, delay=seconds)
        return result

    def start_consumer(self, workers: int = 2) -> Consumer:
        """Start a consumer whose tasks run on the current event loop.

        Huey's ``Consumer.start`` installs its own SIGINT/SIGTERM handlers; the
        process's owner (uvicorn, or ``autostack worker``) handles signals, so
        the handlers in place before are put back.
        """
        self.loop = asyncio.get_running_loop()
        # An idle SQLite queue is polled at most every 0.2 s (Huey's default backs off to
        # 10 s, which would delay a deploy after a quiet spell) and woken at once by this
        # process's own enqueues; Redis blocks on the list.
        consumer = WakingConsumer(
            self.huey, workers=workers, worker_type="thread", periodic=True,
            max_delay=POLL_MAX_SECONDS,
        )
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {signum: signal.getsignal(signum) for signum in signals}
        consumer.start()
        hold_lease(self.app.settings, WORKER_ID)
        if threading.current_thread() is threading.main_thread():
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return consumer
