"""A team's single sign-on (OpenID Connect) and the sessions that signed in through it."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team, UserSession
from autostack_core.infrastructure.models.enums import Role
from autostack_core.infrastructure.models.sealing import sealed


class TeamSso(Model):
    """The identity provider a team's people sign in with (``services.team_sso``).

    ``role_map`` maps a value of the ID token's ``role_claim`` (a string or a
    list of strings, such as ``groups``) to a role; the highest mapped role
    wins, ``default_role`` applies when none maps (``None``: refused).
    ``allowed_domains`` limits the e-mail domains that may sign in (empty: any).
    With ``enforced``, members other than owners must have signed in through
    it to act on the team.
    """

    id = fields.IntField(primary_key=True)
    team: fields.OneToOneRelation[Team] = fields.OneToOneField(
        "models.Team", related_name="sso", on_delete=fields.CASCADE
    )
    issuer = fields.CharField(max_length=500)
    client_id = fields.CharField(max_length=255)
    client_secret_sealed = fields.TextField()
    role_claim = fields.CharField(max_length=64, default="groups")
    role_map: dict[str, Any] = fields.JSONField(default=dict)
    default_role = fields.CharEnumField(Role, max_length=16, null=True, default=Role.MEMBER)
    allowed_domains: list[Any] = fields.JSONField(default=list)
    enforced = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    client_secret = sealed("client_secret_sealed", "team_sso.client_secret")

    class Meta:
        table = "team_sso"


class SsoSession(Model):
    """A browser session that signed in through ``team``'s identity provider."""

    id = fields.IntField(primary_key=True)
    session: fields.OneToOneRelation[UserSession] = fields.OneToOneField(
        "models.UserSession", related_name="sso", on_delete=fields.CASCADE
    )
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="sso_sessions", on_delete=fields.CASCADE
    )
    subject = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sso_sessions"
