"""The wildcard plugin: its queue tasks, and the renewal a consuming server queues at start."""

from __future__ import annotations

from dataclasses import replace

from autostack_core.app import AutoStack
from autostack_core.config import Settings


def wildcard(settings: Settings) -> Settings:
    return replace(settings, base_domain="apps.example.test", dns_host="challtestsrv",
                   dns_host_config={"token": "hunter2"})


async def test_the_renewal_is_a_task_and_an_hourly_job(autostack: AutoStack) -> None:
    assert "renew_wildcard_certificate" in autostack.queue.jobs
    assert "renew_wildcard_certificate_hourly" in autostack.queue.periodic_jobs


async def test_a_server_consuming_the_queue_queues_a_renewal_as_it_starts(
    autostack: AutoStack,
) -> None:
    autostack.settings = wildcard(autostack.settings)
    await autostack.call_hook("startup", app=autostack)
    assert autostack.queue.huey.pending() == [], "only a server that consumes the queue renews"
    autostack.consume = True
    await autostack.call_hook("startup", app=autostack)
    assert [task.name for task in autostack.queue.huey.pending()] == [
        "renew_wildcard_certificate"]


async def test_without_a_dns_host_nothing_is_queued(autostack: AutoStack) -> None:
    autostack.consume = True
    await autostack.call_hook("startup", app=autostack)
    assert autostack.queue.huey.pending() == []
