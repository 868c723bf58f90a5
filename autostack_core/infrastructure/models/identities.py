"""A person's accounts elsewhere, linked to their AutoStack user.

A :class:`UserIdentity` says that the account ``external_id`` on ``host`` (a git
host or a sign-in provider, by its registered name: ``github``) is this user's.
Signing in with that account finds the user, and connecting repositories on
that host must be done with that account. One account belongs to at most one
user, and a user has at most one account per host. It replaces
``users.github_id`` (migration 14 carries it over as host ``github``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import User


class UserIdentity(Model):
    """The account ``external_id`` (``login`` as people see it) on ``host`` is ``user``'s."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="identities", on_delete=fields.CASCADE
    )
    host = fields.CharField(max_length=48)
    external_id = fields.CharField(max_length=255)
    login = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_identities"
        unique_together = (("host", "external_id"), ("user", "host"))
