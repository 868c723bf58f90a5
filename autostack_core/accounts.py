"""Users and teams: sign-up creates the user and a personal team they own."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError
from autostack_core.models import Role, Team, TeamMember, User
from autostack_core.utils import random_id, slugify

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise ApiError(422, "email: enter an address like you@example.com", "email")
    return email


async def unique_team_slug(base: str) -> str:
    slug = slugify(base) or "team"
    candidate = slug
    while await Team.exists(slug=candidate):
        candidate = f"{slug}-{random_id(4)}"
    return candidate


async def create_user(email: str, password: str, name: str = "") -> User:
    """Create a user and their personal team (they own it). 409 if the email is taken."""
    email = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ApiError(
            422, f"password: use at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if await User.exists(email=email):
        raise ApiError(409, "email: an account with this email already exists", "email")
    display_name = name.strip() or email.split("@")[0]
    async with in_transaction():
        user = await User.create(
            email=email, name=display_name, password_hash=hash_password(password)
        )
        team = await Team.create(
            name=f"{display_name}'s projects",
            slug=await unique_team_slug(display_name),
            owner=user,
            is_personal=True,
        )
        await TeamMember.create(team=team, user=user, role=Role.OWNER)
    return user
