"""An idle SQLite worker takes a task this process enqueues at once, not at its next poll.

The workers here poll only once an hour, so a worker that picks the task up at all
was woken by the enqueue (no timing is asserted).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from huey import SqliteHuey

from autostack_core.infrastructure.queue_wake import (
    WakingConsumer,
    WakingSqliteStorage,
    WakingWorker,
)

pytestmark = pytest.mark.dbless

AN_HOUR = 3600.0
DEADLINE = 60.0


def waking_huey(tmp_path: Path) -> SqliteHuey:
    return SqliteHuey("wake-test", filename=str(tmp_path / "queue.db"), utc=True,
                      storage_class=WakingSqliteStorage)


def test_an_enqueue_sets_the_wake_event_after_the_task_is_stored(tmp_path: Path) -> None:
    huey = waking_huey(tmp_path)
    seen_when_woken: list[int] = []
    huey.storage.wake = WakeRecorder(lambda: seen_when_woken.append(huey.storage.queue_size()))

    huey.task(name="noop")(lambda: None)()

    assert seen_when_woken == [1]


def test_an_idle_worker_is_woken_by_an_enqueue(tmp_path: Path) -> None:
    huey = waking_huey(tmp_path)
    worker = WakingWorker(huey, threading.Event(), default_delay=AN_HOUR, max_delay=AN_HOUR,
                          backoff=1.15)
    asleep = threading.Thread(target=worker.sleep)
    asleep.start()

    huey.task(name="noop")(lambda: None)()
    asleep.join(DEADLINE)

    assert not asleep.is_alive()
    assert not huey.storage.wake.is_set(), "a woken worker clears the event before it dequeues"
    assert huey.dequeue() is not None


def test_a_consumer_stops_without_waiting_out_the_poll(tmp_path: Path) -> None:
    huey = waking_huey(tmp_path)
    consumer = WakingConsumer(huey, workers=2, worker_type="thread", periodic=False,
                              initial_delay=AN_HOUR, max_delay=AN_HOUR)
    consumer.start()
    stopping = threading.Thread(target=consumer.stop, kwargs={"graceful": True})
    stopping.start()
    stopping.join(DEADLINE)

    assert not stopping.is_alive()
    assert not any(thread.is_alive() for _, thread in consumer.worker_threads)


def test_a_stop_wakes_a_worker_that_starts_waiting_after_another_took_the_wake(
    tmp_path: Path,
) -> None:
    """The race CI met: one worker takes the stop's wake-up (and clears the event) before
    the other has begun to wait; the other must not then wait out its poll."""
    huey = waking_huey(tmp_path)
    stop = threading.Event()
    first, second = (WakingWorker(huey, stop, default_delay=AN_HOUR, max_delay=AN_HOUR,
                                  backoff=1.15) for _ in range(2))
    stop.set()
    huey.storage.wake.set()
    first.sleep()
    late = threading.Thread(target=second.sleep, daemon=True)
    late.start()
    late.join(DEADLINE)

    assert not late.is_alive()


def test_a_worker_process_is_woken_by_another_process_enqueue(tmp_path: Path) -> None:
    """Two storages on one database file stand for the API and a separate worker."""
    worker_side, api_side = waking_huey(tmp_path), waking_huey(tmp_path)
    stop = threading.Event()
    listener = worker_side.storage.listen(stop)
    assert listener is not None

    api_side.task(name="noop")(lambda: None)()

    assert worker_side.storage.wake.wait(DEADLINE)
    stop.set()
    worker_side.storage.nudge()
    listener.join(DEADLINE)
    assert not listener.is_alive()
    assert not Path(worker_side.storage.wake_address).exists()


class WakeRecorder(threading.Event):
    """An event that records what the queue held when it was set."""

    def __init__(self, on_set: object) -> None:
        super().__init__()
        self.on_set = on_set

    def set(self) -> None:
        assert callable(self.on_set)
        self.on_set()
        super().set()
