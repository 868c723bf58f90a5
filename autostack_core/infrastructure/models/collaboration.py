"""Real-time collaboration: comments on deployments, in-app notifications, and presence.

Presence lives in the database, not in a process's memory, so every worker
behind the same database sees who is looking at a page; a row's ``seen_at`` is
its last heartbeat and rows older than the expiry are simply not shown.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import User
from autostack_core.infrastructure.models.projects import Deployment


class DeploymentComment(Model):
    """A team member's comment on a deployment (Markdown source, rendered escaped)."""

    id = fields.IntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="comments", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="comments", null=True, on_delete=fields.SET_NULL
    )
    body = fields.TextField()
    mentions: list[int] = fields.JSONField(default=list)
    """The ids of the users the body mentions, as found when it was last written."""
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="resolved_comments", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "deployment_comments"


class UserNotification(Model):
    """An in-app notification for one user (a mention in a comment)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=64)
    text = fields.CharField(max_length=500)
    link = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_notifications"


class Presence(Model):
    """The last heartbeat of a user looking at a page (``project:<name>``, ``deployment:<id>``)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="presences", on_delete=fields.CASCADE
    )
    target = fields.CharField(max_length=160, db_index=True)
    seen_at = fields.DatetimeField()

    class Meta:
        table = "presences"
        unique_together = (("user", "target"),)
