"""Users, teams, memberships, invitations, API tokens, sessions and the audit log."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.enums import Role, Tier
from autostack_core.infrastructure.models.plans import Plan


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120, default="")
    avatar_url = fields.CharField(max_length=500, null=True)
    password_hash = fields.CharField(max_length=200, null=True)
    subscription_tier = fields.CharEnumField(Tier, default=Tier.FREE, max_length=16)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    slug = fields.CharField(max_length=48, unique=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_teams", on_delete=fields.RESTRICT
    )
    is_personal = fields.BooleanField(default=False)
    protect_previews = fields.BooleanField(default=False)
    """New projects start with team-login protection on their previews."""
    plan: fields.ForeignKeyNullableRelation[Plan] = fields.ForeignKeyField(
        "models.Plan", related_name="teams", null=True, on_delete=fields.RESTRICT
    )
    """The plan whose limits apply; None follows the default plan (``services.plans``)."""
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "teams"


class TeamMember(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="members", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=16)
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team_members"
        unique_together = (("team", "user"),)


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="invitations", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    role = fields.CharEnumField(Role, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sent_invitations", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"


class ApiToken(Model):
    """A token for the CLI and API; only its sha256 is stored (tokens are 256-bit random)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=120)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class UserSession(Model):
    """A signed-in browser; the cookie carries a signed random key, stored hashed."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    key_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    user_agent = fields.CharField(max_length=300, default="")
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "user_sessions"


class AuditEvent(Model):
    """One change or sign-in, written through :func:`autostack_core.services.audit.record`."""

    id = fields.BigIntField(primary_key=True)
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="audit_events", null=True, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=32, default="")
    target_id = fields.CharField(max_length=64, default="")
    data: dict[str, Any] = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=254, default="")
    """Who, as shown: the user's e-mail, or what acted without one (a deploy hook, a git host)."""
    token_name = fields.CharField(max_length=120, default="")
    """The API token the user acted through, if one did."""
    project = fields.CharField(max_length=48, default="")
    """The project the change concerns, by its name then, for filtering."""
    before: dict[str, Any] | None = fields.JSONField(null=True)
    after: dict[str, Any] | None = fields.JSONField(null=True)

    class Meta:
        table = "audit_events"
        # What the rate limits count (autostack_core.security.throttle): recent events of one action
        # from one address, or by one user. The team's audit log pages by team, newest first.
        indexes = (("action", "ip", "created_at"), ("action", "user", "created_at"),
                   ("team", "id"))
