"""The queue: tasks round-trip, and a forged message is refused before it is unpickled."""

from __future__ import annotations

import pickle

import pytest

from autostack_core.app import AutoStack
from autostack_core.interfaces.tasks import Cron, Task


class Boom:
    """Unpickling this would run code: a forged queue message must never get that far."""

    ran = False

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (Boom.explode, ())

    @staticmethod
    def explode() -> None:
        Boom.ran = True


async def test_a_signed_task_round_trips(autostack: AutoStack) -> None:
    autostack.queue.enqueue("run_deployment", "abc123")
    message = autostack.queue.huey.dequeue()
    assert message is not None and message.args == ("abc123",)


async def test_a_forged_message_is_refused(autostack: AutoStack) -> None:
    autostack.queue.huey.storage.enqueue(pickle.dumps(Boom()))
    with pytest.raises(ValueError, match=r"[Ss]ignature|[Ss]eparator"):
        autostack.queue.huey.dequeue()
    assert not Boom.ran


async def test_a_task_name_registered_twice_is_refused(autostack: AutoStack) -> None:
    async def again() -> None:  # pragma: no cover - never registered
        raise AssertionError

    with pytest.raises(ValueError, match="'collect_garbage_hourly' is registered twice"):
        autostack.queue.register(Task("collect_garbage_hourly", again))
    with pytest.raises(ValueError, match="'run_deployment' is registered twice"):
        autostack.queue.register(Task("run_deployment", again, Cron(minute="0")))
