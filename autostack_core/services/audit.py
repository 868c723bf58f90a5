"""The audit log: who changed what in a team, from where, and what it was before and after.

:func:`record` is the one way in. It is called once per change (deployments
created, promoted, rolled back, canceled, deleted; environment variables;
domains; members, roles and invitations; API tokens; project and team
settings; DNS provider credentials), after the change is saved and before it
is answered, and from the sign-in paths, whose rows the rate limits of
:mod:`autostack_core.security.throttle` count.

Secrets never reach a row: a field whose name says it is one
(:func:`is_secret_field`: ``value``, ``password``, ``*_secret``, ``*_token``,
``credentials``...) is stored as
:data:`~autostack_core.security.log_redaction.MASK`, so the log shows that it
changed, never what to; every other string goes through
:func:`~autostack_core.security.log_redaction.redact` (a git URL's
``user:token@``, a deploy hook's URL). Of ``before`` and ``after`` only the
fields that differ are kept.

Who acted is the caller's ``actor`` when it knows one, else the request being
served: :class:`~autostack_core.security.request_actor.RequestActorMiddleware`
binds each request's user, API token and client address (which respects
``AUTOSTACK_TRUSTED_PROXIES``) with :func:`bind`, as django-auditlog's
middleware sets its actor, so services deep in a change (a promote, a cancel)
record it without every front end passing it down. Work with no request (the
queue's automatic promote of a production build) is the platform's own,
``autostack``. A change without a team of its own (an API token, a sign-in) is
kept in the log of the user's personal team.

Reading: :func:`page` with an :class:`AuditFilter` (from query parameters with
:func:`filter_from`), newest first, by id cursor; :func:`prune` drops rows older
than the retention setting (``AUTOSTACK_AUDIT_RETENTION_DAYS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from autostack_core.errors import ApiError, Forbidden
from autostack_core.infrastructure.models import ROLE_RANK, AuditEvent, Role, Team, User
from autostack_core.security.log_redaction import MASK, redact

PLATFORM = "autostack"
"""The actor of changes no person asked for (the automatic promote of a production build)."""
SECRET_FIELDS = frozenset({"value", "password", "secret", "token", "credentials", "config",
                           "private_key"})
SECRET_SUFFIXES = ("_secret", "_token", "_password", "_credentials", "_key_file")
MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user (through an API token or not), or something acting alone."""

    user: User | None = None
    token_name: str = ""
    address: str = ""
    label: str = ""
    """What acted when no user did: how a deployment was asked for (``deploy-hook``,
    ``webhook``), a git host (``github``), :data:`PLATFORM`, ``anonymous``."""

    @property
    def name(self) -> str:
        return self.user.email if self.user is not None else (self.label or PLATFORM)


_request_actor: ContextVar[Actor | None] = ContextVar("autostack_audit_actor", default=None)


@contextmanager
def bind(actor: Actor) -> Iterator[None]:
    """Make ``actor`` the one :func:`record` uses, for the code run inside (one request)."""
    token = _request_actor.set(actor)
    try:
        yield
    finally:
        _request_actor.reset(token)


def current(label: str = PLATFORM) -> Actor:
    """The actor of the request being served; ``label`` names what acts when no user does
    (outside any request, or in a request no user signed: a deploy hook's, a git host's)."""
    actor = _request_actor.get()
    if actor is None:
        return Actor(label=label)
    return actor if actor.user is not None or actor.label else replace(actor, label=label)


# -- masking ----------------------------------------------------------------------------------


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_FIELDS or lowered.endswith(SECRET_SUFFIXES)


def masked(value: Any, secret: bool = False) -> Any:
    """``value`` safe to store: a secret becomes :data:`MASK` (``None`` stays, so "unset"
    shows), dictionaries are masked field by field, strings redacted."""
    if value is None:
        return None
    if secret:
        return MASK
    if isinstance(value, Mapping):
        return {str(key): masked(item, is_secret_field(str(key))) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(item) for item in value]
    if isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def changes(before: Mapping[str, Any] | None,
            after: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``before`` and ``after`` cut to the fields that differ, masked.

    Secrets are compared before masking, so a changed password shows as changed
    (:data:`MASK` on both sides) and an unchanged one not at all.
    """
    if before is not None and after is not None:
        fields = [key for key in {**before, **after} if before.get(key) != after.get(key)]
        before = {key: before.get(key) for key in fields}
        after = {key: after.get(key) for key in fields}

    def mask(side: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if side is None:
            return None
        return {key: masked(value, is_secret_field(key)) for key, value in side.items()}

    return mask(before), mask(after)


# -- writing ------------------------------------------------------------------------------------


async def _personal_team_id(user: User | None) -> int | None:
    if user is None:
        return None
    team = await Team.filter(owner=user, is_personal=True).only("id").first()
    return None if team is None else team.id


async def record(
    action: str,
    *,
    team: Team | int | None,
    target: tuple[str, str] = ("", ""),
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: Actor | User | None = None,
    address: str | None = None,
    project: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Save one audit row: ``actor`` did ``action`` to ``target`` in ``team``.

    ``actor`` and ``address`` default to the request's (:func:`current`); a
    :class:`User` given alone takes the request's API token when that user sent
    it. ``team=None`` files the row under the actor's personal team.
    ``details`` are extra context (masked like the rest).
    """
    request_actor = current()
    if actor is None:
        actor = request_actor
    elif isinstance(actor, User):
        same = request_actor.user is not None and request_actor.user.id == actor.id
        actor = Actor(user=actor, token_name=request_actor.token_name if same else "",
                      address=request_actor.address)
    team_id = team.id if isinstance(team, Team) else team
    if team_id is None:
        team_id = await _personal_team_id(actor.user)
    before, after = changes(before, after)
    return await AuditEvent.create(
        action=action[:64], user=actor.user, team_id=team_id, actor=actor.name[:254],
        token_name=actor.token_name[:120], target_type=target[0][:32],
        target_id=str(target[1])[:64], project=project[:48], before=before, after=after,
        data=masked(details or {}), ip=(actor.address if address is None else address)[:64],
    )


# -- reading ------------------------------------------------------------------------------------


def check_reader(role: Role) -> None:
    """403 unless ``role`` may read the team's audit log (owners and admins)."""
    if ROLE_RANK[role] < ROLE_RANK[Role.ADMIN]:
        raise Forbidden(f"the audit log is for the team's owners and admins; you are "
                        f"{role.value}")


@dataclass(frozen=True)
class AuditFilter:
    """What to show of a team's log; empty fields match everything."""

    action: str = ""
    """An action (``deployment.promoted``), or a family without a dot (``deployment``)."""
    actor: str = ""
    """A user's e-mail, an API token's name, or a non-user actor (``deploy hook``)."""
    project: str = ""
    target: str = ""
    """A target's id, or ``type:id`` (``deployment:abc123``)."""
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = None
    """Rows older than this id (the previous page's ``next_cursor``)."""
    limit: int = DEFAULT_PAGE


_RELATIVE = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, field: str) -> datetime:
    """A moment from ISO 8601 (``2026-12-01``, ``2026-12-01T10:00Z``) or an age (``30m``,
    ``24h``, ``7d``, ``2w`` ago); 422 naming ``field`` otherwise. Times without a zone are UTC."""
    text = text.strip()
    relative = _RELATIVE.match(text)
    try:
        if relative:
            amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
            return datetime.now(UTC) - timedelta(**{unit: amount})
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError) as error:
        raise ApiError(422, f"{field}: use a date or time like 2026-12-01 or 2026-12-01T10:00Z, "
                            "or an age like 30m, 24h, 7d", field) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _whole(text: str, field: str, low: int, high: int) -> int:
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise ApiError(422, f"{field}: must be a whole number from {low} to {high}", field)
    return int(text)


def filter_from(params: Mapping[str, str]) -> AuditFilter:
    """An :class:`AuditFilter` from query parameters (the API's and the dashboard's form's):
    ``action``, ``actor``, ``project``, ``target``, ``since``, ``until``, ``cursor``, ``limit``."""
    def text(name: str, longest: int) -> str:
        value = (params.get(name) or "").strip()
        if len(value) > longest:
            raise ApiError(422, f"{name}: at most {longest} characters", name)
        return value

    since, until = text("since", 40), text("until", 40)
    cursor, limit = text("cursor", 20), text("limit", 4)
    return AuditFilter(
        action=text("action", 64), actor=text("actor", 254), project=text("project", 48),
        target=text("target", 100),
        since=parse_moment(since, "since") if since else None,
        until=parse_moment(until, "until") if until else None,
        cursor=_whole(cursor, "cursor", 1, 2**62) if cursor else None,
        limit=_whole(limit, "limit", 1, MAX_PAGE) if limit else DEFAULT_PAGE,
    )


async def page(team: Team, chosen: AuditFilter) -> tuple[list[AuditEvent], int | None]:
    """The team's rows ``chosen`` picks, newest first, and the cursor of the next page."""
    query = AuditEvent.filter(team=team)
    if chosen.action:
        query = query.filter(action=chosen.action) if "." in chosen.action \
            else query.filter(action__startswith=f"{chosen.action}.")
    if chosen.actor:
        query = query.filter(Q(actor=chosen.actor) | Q(token_name=chosen.actor))
    if chosen.project:
        query = query.filter(project=chosen.project)
    if chosen.target:
        kind, _, ident = chosen.target.rpartition(":")
        query = query.filter(target_id=ident, **({"target_type": kind} if kind else {}))
    if chosen.since is not None:
        query = query.filter(created_at__gte=chosen.since)
    if chosen.until is not None:
        query = query.filter(created_at__lt=chosen.until)
    if chosen.cursor is not None:
        query = query.filter(id__lt=chosen.cursor)
    rows = await query.order_by("-id").limit(chosen.limit + 1)
    more = len(rows) > chosen.limit
    rows = rows[:chosen.limit]
    await _name_older_actors(rows)
    return rows, rows[-1].id if more else None


async def _name_older_actors(rows: list[AuditEvent]) -> None:
    """Rows written before the log named its actors get their user's e-mail."""
    unnamed = {row.user_id for row in rows if not row.actor and row.user_id}  # type: ignore[attr-defined]
    if unnamed:
        emails = dict(await User.filter(id__in=unnamed).values_list("id", "email"))
        for row in rows:
            row.actor = row.actor or emails.get(row.user_id, "")  # type: ignore[attr-defined]


def event_json(event: AuditEvent) -> dict[str, Any]:
    """One row as the API answers it and the dashboard shows it."""
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "action": event.action,
        "actor": {"name": event.actor, "user_id": event.user_id,  # type: ignore[attr-defined]
                  "token": event.token_name or None},
        "address": event.ip,
        "target": {"type": event.target_type, "id": event.target_id},
        "project": event.project or None,
        "before": event.before,
        "after": event.after,
        "details": event.data or {},
    }


async def prune(days: int) -> int:
    """Delete rows older than ``days`` (0 keeps everything); how many went."""
    if days <= 0:
        return 0
    return await AuditEvent.filter(created_at__lt=datetime.now(UTC) - timedelta(days=days)) \
        .delete()
