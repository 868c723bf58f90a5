"""Users, sign-in and credentials: passwords, login throttling, sessions, API tokens.

Sign-up creates the user and a personal team they own. Secrets that prove who
someone is (session keys, API tokens, invitation tokens) are 256-bit random
values of which only the sha256 is stored, so a database leak yields nothing
that signs anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    ApiToken,
    Role,
    Team,
    TeamMember,
    User,
    UserSession,
)
from autostack_core.security import throttle
from autostack_core.services import audit as audit_log
from autostack_core.utils import random_id, slugify

_hasher = PasswordHasher()
# Verified against when the user has none, so both cases take the same time. A literal:
# hashing it at import cost every server start 0.23 s CPU and 64 MiB for a moment.
# tests/unit/test_auth.py checks its parameters are the hasher's.
_DUMMY_HASH = ("$argon2id$v=19$m=65536,t=3,p=4$LZFjhRFA2RkilFxS29J6sA"
               "$ELXJM4YX/xKYWoh184bYWJBxgKO6XBgS5F0iS+oNurk")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

TOKEN_PREFIX = "ast_"
SESSION_LIFETIME = timedelta(days=14)
_TOUCH_EVERY = timedelta(minutes=1)
ANONYMOUS = "anonymous"
"""The audit log's actor for who acted signed in as nobody (a failed login)."""



def now() -> datetime:
    return datetime.now(UTC)


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A 256-bit random secret, URL-safe."""
    return secrets.token_urlsafe(32)


# -- passwords and users --------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, still spend the same time (no user enumeration)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise ApiError(422, "email: enter an address like you@example.com", "email")
    return email


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ApiError(
            422, f"password: use at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ApiError(
            422, f"password: use at most {MAX_PASSWORD_LENGTH} characters", "password"
        )


async def unique_team_slug(base: str) -> str:
    slug = slugify(base) or "team"
    candidate = slug
    while await Team.exists(slug=candidate):
        candidate = f"{slug[:43]}-{random_id(4)}"
    return candidate


async def create_user(email: str, password: str | None, name: str = "") -> User:
    """Create a user and their personal team (they own it). 409 if the email is taken.

    ``password=None`` makes an account that signs in only through GitHub or Google.
    """
    email = normalize_email(email)
    if password is not None:
        check_password_rules(password)
    if await User.exists(email=email):
        raise ApiError(409, "email: an account with this email already exists", "email")
    display_name = name.strip()[:120] or email.split("@")[0]
    async with in_transaction():
        user = await User.create(
            email=email, name=display_name,
            password_hash=None if password is None else hash_password(password),
        )
        team = await Team.create(
            name=f"{display_name}'s projects"[:120],
            slug=await unique_team_slug(display_name),
            owner=user,
            is_personal=True,
        )
        await TeamMember.create(team=team, user=user, role=Role.OWNER)
    return user


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "avatar_url": user.avatar_url,
        "subscription_tier": str(user.subscription_tier),
        "created_at": user.created_at.isoformat(),
    }


# -- audit ----------------------------------------------------------------------


async def audit(
    action: str,
    *,
    user: User | None = None,
    team: Team | None = None,
    target: tuple[str, str] = ("", ""),
    ip: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    project: str = "",
    **data: Any,
) -> None:
    """Record a sign-in or a change by ``user`` (anonymous without one) from ``ip``, through
    :func:`autostack_core.services.audit.record`; ``data`` are its details."""
    await audit_log.record(action, team=team, target=target, before=before, after=after,
                           actor=user or audit_log.current(ANONYMOUS), address=ip or None,
                           project=project, details=data)


# -- sign-up and login (rate limits in :mod:`autostack_core.security.throttle`) -----------------


async def sign_up(email: str, password: str, name: str, ip: str) -> User:
    """A new user from the sign-up form or API, within the per-address sign-up limit."""
    await throttle.check_signup(ip)
    user = await create_user(email, password, name)
    await audit("user.signup", user=user, target=("user", str(user.id)), ip=ip)
    return user


async def login(email: str, password: str, ip: str) -> User:
    """The user with these credentials, or 401; 429 while this address is held back.

    Unknown e-mails and accounts without a password pay the same argon2 hash as
    a wrong password, so the answer's timing does not tell which e-mails have
    an account.
    """
    email = email.strip().lower()
    target = ("email", sha256_hex(email))
    await throttle.check_login(target[1], ip)
    user = await User.get_or_none(email=email)
    password_ok = verify_password(None if user is None else user.password_hash, password)
    if user is None or not password_ok or not user.is_active:
        await audit("auth.login_failed", user=user, target=target, ip=ip, email=email[:254])
        raise ApiError(401, "email or password is wrong", "password")
    await audit("auth.login", user=user, target=target, ip=ip)
    return user


# -- changing one's e-mail address or password -------------------------------------------


async def check_current_password(user: User, password: str, ip: str) -> None:
    """403 naming ``current_password`` unless it is the user's password (an account
    without one, GitHub or Google sign-in only, has none to give). A wrong one counts as
    a failed login, within the same limits (429)."""
    if user.password_hash is None:
        return
    target = ("email", sha256_hex(user.email))
    await throttle.check_login(target[1], ip)
    if not verify_password(user.password_hash, password):
        await audit("auth.login_failed", user=user, target=target, ip=ip, email=user.email)
        raise ApiError(403, "current password: that is not your password", "current_password")


async def change_email(user: User, current_password: str, email: str, ip: str) -> None:
    """Sign in with ``email`` from now on: checked like a sign-up's, 409 if taken, audited."""
    await check_current_password(user, current_password, ip)
    email = normalize_email(email)
    if email == user.email:
        return
    if await User.exists(email=email):
        raise ApiError(409, "email: an account with this email already exists", "email")
    before, user.email = user.email, email
    await user.save(update_fields=["email"])
    await audit("user.email_changed", user=user, target=("user", str(user.id)), ip=ip,
                before={"email": before}, after={"email": email})


async def change_password(
    user: User, current_password: str, password: str, keep_session: int | None, ip: str
) -> None:
    """A new password, audited; every other browser session of the user ends."""
    await check_current_password(user, current_password, ip)
    check_password_rules(password)
    user.password_hash = hash_password(password)
    await user.save(update_fields=["password_hash"])
    await UserSession.filter(user=user).exclude(id=keep_session or 0).delete()
    await audit("user.password_changed", user=user, target=("user", str(user.id)), ip=ip)


# -- browser sessions --------------------------------------------------------------


async def create_session(user: User, user_agent: str = "", ip: str = "") -> tuple[UserSession, str]:
    """A new session for ``user``; returns it and the key for the cookie (never stored)."""
    key = new_secret()
    session = await UserSession.create(
        user=user, key_hash=sha256_hex(key), csrf_token=secrets.token_hex(32),
        user_agent=user_agent[:300], ip=ip[:64], expires_at=now() + SESSION_LIFETIME,
    )
    return session, key


async def session_for_key(key: str) -> UserSession | None:
    """The live session whose key this is (user loaded), refreshing ``last_seen_at``."""
    session = await UserSession.get_or_none(key_hash=sha256_hex(key)).prefetch_related("user")
    if session is None or session.expires_at <= now() or not session.user.is_active:
        return None
    if now() - session.last_seen_at > _TOUCH_EVERY:
        session.last_seen_at = now()
        await UserSession.filter(id=session.id).update(last_seen_at=session.last_seen_at)
    return session


# -- API tokens ----------------------------------------------------------------------


async def create_api_token(
    user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new API token; returns the row and the token itself, which is shown once.

    429 when the user created too many lately (:func:`throttle.check_token`).
    """
    await throttle.check_token(user)
    raw = TOKEN_PREFIX + new_secret()
    token = await ApiToken.create(
        user=user, name=name, token_hash=sha256_hex(raw), prefix=raw[:12], expires_at=expires_at,
    )
    return token, raw


async def token_for_secret(raw: str) -> ApiToken | None:
    """The live API token ``raw`` (user loaded), refreshing ``last_used_at``.

    Looking up the sha256 of a 256-bit secret leaks nothing through timing:
    an attacker would need a preimage of the hash they are probing.
    """
    token = await ApiToken.get_or_none(token_hash=sha256_hex(raw)).select_related("user")
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now():
        return None
    if token.last_used_at is None or now() - token.last_used_at > _TOUCH_EVERY:
        token.last_used_at = now()
        await ApiToken.filter(id=token.id).update(last_used_at=token.last_used_at)
    return token


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }
