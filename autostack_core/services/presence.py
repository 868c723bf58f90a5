"""Who is looking at a project or a deployment page right now.

A viewer's live stream (``/api/v1/.../presence/events``) beats every
:data:`BEAT_SECONDS` while it is open; a row whose last beat is older than
:data:`EXPIRE_SECONDS` no longer counts, so a worker that dies takes its
viewers with it within that time. Rows live in the database, so every worker
sees the same viewers; each change is announced on the target's
:func:`channel` (Redis pub/sub between processes when configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError

from autostack_core.infrastructure.models import Presence, User

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

BEAT_SECONDS = 15.0
"""How often an open page says it is still there."""
EXPIRE_SECONDS = 45.0
"""A viewer without a beat for this long is gone (three missed beats)."""


def channel(target: str) -> str:
    """Announced when a viewer of ``target`` arrives or leaves, or its comments change."""
    return f"collab:{target}"


def deployment_target(deployment_id: str) -> str:
    return f"deployment:{deployment_id}"


def project_target(project_name: str) -> str:
    return f"project:{project_name}"


@dataclass(frozen=True)
class Viewer:
    """A team member on the page, as the avatars show them."""

    id: int
    name: str
    initials: str
    avatar_url: str | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "initials": self.initials,
                "avatar_url": self.avatar_url}


def display_name(user: User) -> str:
    return user.name or user.email.split("@", 1)[0]


def initials(name: str) -> str:
    """``Ada Lovelace`` -> ``AL``, ``ada.lovelace`` -> ``AL``, ``ada`` -> ``A``."""
    words = [word for word in name.replace(".", " ").replace("_", " ").split() if word]
    return "".join(word[0] for word in words[:2]).upper() or "?"


async def beat(user: User, target: str, now: datetime | None = None) -> datetime:
    """Record that ``user`` is looking at ``target`` now; the time recorded. Rows of every
    page gone quiet are dropped, so the table holds only the current viewers."""
    now = now or datetime.now(UTC)
    await Presence.filter(seen_at__lt=now - timedelta(seconds=EXPIRE_SECONDS)).delete()
    updated = await Presence.filter(user=user, target=target).update(seen_at=now)
    if not updated:
        try:
            await Presence.create(user=user, target=target, seen_at=now)
        except IntegrityError:  # another tab of the same user beat first
            await Presence.filter(user=user, target=target).update(seen_at=now)
    return now


async def leave(user: User, target: str, last_beat: datetime) -> None:
    """``user`` closed the page: gone at once, unless another of their tabs beat since."""
    await Presence.filter(user=user, target=target, seen_at=last_beat).delete()


async def viewers(target: str, now: datetime | None = None) -> list[Viewer]:
    """Everyone whose last beat on ``target`` is recent, longest there first."""
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=EXPIRE_SECONDS)
    rows = await Presence.filter(target=target, seen_at__gte=cutoff).order_by("id") \
        .select_related("user")
    return [Viewer(row.user.id, display_name(row.user), initials(display_name(row.user)),
                   row.user.avatar_url) for row in rows]


async def announce(app: AutoStack, target: str) -> None:
    await app.events.publish(channel(target))
