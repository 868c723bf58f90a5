"""Waking idle SQLite queue workers at once when a task is stored, instead of at their poll.

In the same process (the API with its embedded worker: every push and deploy) through
a :class:`threading.Event`; from another process (a separate ``autostack worker``)
through a datagram socket next to the database. Without either, the poll still finds
the task at most ``max_delay`` later.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import Any

from huey.consumer import Consumer, Worker
from huey.storage import SqliteStorage

LISTEN_CHECK_SECONDS = 1.0


class WakingSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """SQLite storage that wakes idle workers once a task is stored.

    The event is set after the insert commits, so a woken worker finds the task.
    Workers in another process (a separate ``autostack worker``) are woken through
    a datagram socket next to the database, when that process listens on it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wake = threading.Event()
        self.wake_address = f"{self.filename}.wake"
        self.listening = False

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        """Store the task, then wake a worker waiting in :meth:`WakingWorker.sleep`."""
        super().enqueue(data, priority)
        self.wake.set()
        if not self.listening:
            self.nudge()

    def nudge(self) -> None:
        """Wake the process listening at ``wake_address``; none listening is fine (it polls)."""
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX,
                                                         socket.SOCK_DGRAM) as sender:
            sender.setblocking(False)
            sender.sendto(b"\0", self.wake_address)

    def listen(self, stop: threading.Event) -> threading.Thread | None:
        """Set ``wake`` on every nudge from another process until ``stop`` is set.

        The last process to listen takes the address over. Returns the listening
        thread, or None where the socket cannot be made (workers then poll).
        """
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.wake_address)
            listener.bind(self.wake_address)
            bound = os.stat(self.wake_address).st_ino
        except OSError:
            listener.close()
            return None
        listener.settimeout(LISTEN_CHECK_SECONDS)
        self.listening = True

        def receive() -> None:
            with listener:
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        listener.recv(16)
                        self.wake.set()
                with contextlib.suppress(OSError):
                    if os.stat(self.wake_address).st_ino == bound:
                        os.unlink(self.wake_address)
            self.listening = False

        thread = threading.Thread(target=receive, name="queue-wake", daemon=True)
        thread.start()
        return thread


class WakingWorker(Worker):  # type: ignore[misc]
    """A Huey worker whose idle wait ends early when the storage's ``wake`` is set.

    A task another process enqueues wakes it through the storage's listener; when
    that cannot reach it, the poll finds the task at most ``max_delay`` later.
    """

    delay: float
    max_delay: float
    backoff: float

    def sleep(self) -> None:
        """Wait for a wake-up or the poll interval, whichever comes first."""
        wake: threading.Event | None = getattr(self.huey.storage, "wake", None)
        if wake is None:
            super().sleep()
            return
        self.delay = min(self.delay, self.max_delay)
        wake.wait(self.delay)
        # Cleared before the next dequeue: a task stored after this point sets it again.
        wake.clear()
        if self.stop_flag.is_set():
            wake.set()  # a stop wakes every worker, also one not yet waiting when it came
        self.delay *= self.backoff


class WakingConsumer(Consumer):  # type: ignore[misc]
    """A Huey consumer with :class:`WakingWorker` workers that a stop wakes too."""

    worker_class = WakingWorker

    listener: threading.Thread | None = None

    def start(self) -> None:
        """Start the workers, listening for nudges from other processes when on SQLite."""
        super().start()
        storage = self.huey.storage
        if isinstance(storage, WakingSqliteStorage):
            self.listener = storage.listen(self.stop_flag)

    def stop(self, graceful: bool = False) -> None:
        """Stop the workers, waking idle ones (and the listener) so they see the stop flag."""
        self.stop_flag.set()
        storage = self.huey.storage
        if isinstance(storage, WakingSqliteStorage):
            storage.wake.set()
            storage.nudge()
        super().stop(graceful=graceful)
