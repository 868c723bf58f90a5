"""A user's in-app notifications (mentions in deployment comments), for the API and the
dashboard alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from autostack_core.infrastructure.models import User, UserNotification

LISTED = 50
"""How many of the newest notifications a list shows."""
READ_KEPT_DAYS = 90
"""How long a notification is kept once read (unread ones are kept until read)."""


def as_json(row: UserNotification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "text": row.text, "link": row.link,
            "created_at": row.created_at.isoformat(),
            "read_at": row.read_at and row.read_at.isoformat()}


async def recent(user: User) -> list[UserNotification]:
    return list(await UserNotification.filter(user=user).order_by("-id").limit(LISTED))


async def unread(user: User) -> int:
    return await UserNotification.filter(user=user, read_at__isnull=True).count()


async def mark_read(user: User) -> int:
    """Mark all of ``user``'s notifications read; how many were unread."""
    return await UserNotification.filter(user=user, read_at__isnull=True) \
        .update(read_at=datetime.now(UTC))


async def prune_read(days: int = READ_KEPT_DAYS) -> int:
    """Delete the notifications read more than ``days`` ago; how many went."""
    return await UserNotification.filter(
        read_at__lt=datetime.now(UTC) - timedelta(days=days)).delete()
