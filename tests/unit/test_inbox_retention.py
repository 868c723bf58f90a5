"""Retention of in-app notifications: read ones go 90 days after they were read, unread ones
stay until read, whatever their age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import User, UserNotification
from autostack_core.services import inbox
from autostack_core.services.retention import collect_garbage
from tests.fixtures_auth import owner

__all__ = ["owner"]


async def test_gc_drops_notifications_read_more_than_90_days_ago(
    autostack: AutoStack, owner: User
) -> None:
    now = datetime.now(UTC)

    async def notification(text: str, created_days: int, read_days: int | None) -> None:
        row = await UserNotification.create(user=owner, kind="mention", text=text)
        read_at = None if read_days is None else now - timedelta(days=read_days)
        await UserNotification.filter(id=row.id).update(
            created_at=now - timedelta(days=created_days), read_at=read_at)

    await notification("read long ago", 200, 100)
    await notification("read last week", 120, 7)
    await notification("read a day short of the limit", 100, 89)
    await notification("never read", 365, None)

    report = await collect_garbage(autostack)

    assert report.notifications_removed == 1
    assert report.as_dict()["notifications_removed"] == 1
    assert sorted(row.text for row in await inbox.recent(owner)) == [
        "never read", "read a day short of the limit", "read last week"]
    assert await inbox.unread(owner) == 1
    assert (await collect_garbage(autostack)).notifications_removed == 0
