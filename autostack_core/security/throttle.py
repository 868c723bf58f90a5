"""Rate limits on what an attacker repeats: logins, sign-ups, API tokens.

Each limit counts rows of the audit log (:class:`AuditEvent`, written for
every login, failed login, sign-up and token anyway), so it holds across every
worker process and every machine that shares the database, survives restarts,
and needs no Redis on the single-process default. One indexed query is cheap
next to the argon2 hash a login costs.

* Failed logins per e-mail **and** client address back off progressively:
  :data:`LOGIN_FREE_FAILURES` are free, then each further attempt waits
  :data:`LOGIN_BACKOFF` doubled per failure since (up to :data:`LOGIN_BACKOFF_MAX`),
  counted since the last success. Only that address is held back, so an
  attacker hammering someone's e-mail cannot keep them out: the right
  password from their own address still signs in.
* Failed logins per client address over all e-mails (trying many accounts):
  :data:`ADDRESS_FAILURE_LIMIT` per :data:`ADDRESS_FAILURE_WINDOW`.
* Sign-ups per client address: :data:`SIGNUP_LIMIT` per :data:`SIGNUP_WINDOW`.
* API tokens created per user: :data:`TOKEN_LIMIT` per :data:`TOKEN_WINDOW`.

The client address is the one the ASGI server reports; behind a reverse
proxy, set ``AUTOSTACK_TRUSTED_PROXIES`` or every client shares the proxy's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autostack_core.errors import Throttled
from autostack_core.infrastructure.models import AuditEvent, User

LOGIN_FREE_FAILURES = 5
LOGIN_BACKOFF = timedelta(seconds=30)
LOGIN_BACKOFF_MAX = timedelta(hours=1)
LOGIN_MEMORY = timedelta(days=1)
ADDRESS_FAILURE_LIMIT = 30
ADDRESS_FAILURE_WINDOW = timedelta(minutes=15)
SIGNUP_LIMIT = 10
SIGNUP_WINDOW = timedelta(hours=1)
TOKEN_LIMIT = 30
TOKEN_WINDOW = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def seconds_until(moment: datetime) -> int:
    """Whole seconds to wait for ``moment`` (at least 1), as ``Retry-After`` wants them."""
    return max(1, int((moment - utc_now()).total_seconds()) + 1)


def login_backoff(failures: int) -> timedelta:
    """How long after its last failure an e-mail and address pair waits."""
    if failures < LOGIN_FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - LOGIN_FREE_FAILURES, 20)  # past the cap long before; no overflow
    return min(LOGIN_BACKOFF * (1 << doublings), LOGIN_BACKOFF_MAX)


async def _window_full(limit: int, window: timedelta, **match: object) -> datetime | None:
    """If ``limit`` matching events are in ``window``: when the oldest of them leaves it."""
    recent = await AuditEvent.filter(created_at__gte=utc_now() - window, **match) \
        .order_by("-created_at").limit(limit).values_list("created_at", flat=True)
    if len(recent) < limit:
        return None
    oldest: datetime = recent[-1]  # type: ignore[assignment]
    return oldest + window


async def check_login(email_key: str, ip: str) -> None:
    """Refuse (429) a login attempt while this address is held back for this e-mail."""
    until = await _window_full(ADDRESS_FAILURE_LIMIT, ADDRESS_FAILURE_WINDOW,
                               action="auth.login_failed", ip=ip)
    if until is not None:
        raise Throttled("failed logins from your address", seconds_until(until), "email")
    pair = {"target_type": "email", "target_id": email_key, "ip": ip}
    since = utc_now() - LOGIN_MEMORY
    success = await AuditEvent.filter(action="auth.login", created_at__gte=since, **pair) \
        .order_by("-created_at").first()
    if success is not None:
        since = success.created_at
    failures = await AuditEvent.filter(action="auth.login_failed", created_at__gt=since, **pair) \
        .order_by("-created_at").values_list("created_at", flat=True)
    if len(failures) >= LOGIN_FREE_FAILURES:
        last: datetime = failures[0]  # type: ignore[assignment]
        until = last + login_backoff(len(failures))
        if until > utc_now():
            raise Throttled("failed logins", seconds_until(until), "password")


async def check_signup(ip: str) -> None:
    """Refuse (429) a sign-up from an address that made many recently."""
    until = await _window_full(SIGNUP_LIMIT, SIGNUP_WINDOW, action="user.signup", ip=ip)
    if until is not None:
        raise Throttled("sign-ups from your address", seconds_until(until), "email")


async def check_token(user: User) -> None:
    """Refuse (429) a new API token for a user who created many recently."""
    until = await _window_full(TOKEN_LIMIT, TOKEN_WINDOW, action="token.created", user=user)
    if until is not None:
        raise Throttled("new API tokens", seconds_until(until), "name")
