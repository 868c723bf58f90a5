"""Git hosts as the core knows them, whatever the host: a person's access to a host, and a
project's connection to one repository on it.

A :class:`GitAccount` is the access a person granted AutoStack on a git host
(GitHub's "connect repositories" step stores its OAuth token here). A
:class:`GitConnection` says which repository a project deploys, on which host,
and whose access reads it: clones send the connecting person's credential to
that repository and nowhere else (:mod:`autostack_core.git.git_credentials`),
and the same credential set up the repository's webhook. The credential is not
copied into the connection: a person who leaves the team, is deactivated or
withdraws their access stops lending it to every project at once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import User
from autostack_core.infrastructure.models.projects import Project
from autostack_core.infrastructure.models.sealing import sealed

CREDENTIAL_CONTEXT = "users.github_token"
"""The context credentials are sealed under. It is the one GitHub tokens were sealed
under in ``users.github_token_sealed`` before they moved here (migration 7 copies the
sealed text; re-sealing needs the key, which a migration does not have)."""


class GitAccount(Model):
    """One person's access to one git host (a token), sealed at rest."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="git_accounts", on_delete=fields.CASCADE
    )
    host = fields.CharField(max_length=48)
    credential_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    credential = sealed("credential_sealed", CREDENTIAL_CONTEXT)

    class Meta:
        table = "git_accounts"
        unique_together = (("user", "host"),)


class GitConnection(Model):
    """A project connected to ``repository`` on the git host ``host`` by ``connected_by``."""

    id = fields.IntField(primary_key=True)
    project: fields.OneToOneRelation[Project] = fields.OneToOneField(
        "models.Project", related_name="git_connection", on_delete=fields.CASCADE
    )
    host = fields.CharField(max_length=48)
    repository = fields.CharField(max_length=500)
    connected_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="repository_connections", null=True,
        on_delete=fields.SET_NULL
    )
    webhook_id = fields.CharField(max_length=64, null=True)
    """The host's id of the repository webhook AutoStack created (deleted with the
    connection); ``None`` when the webhook was set up by hand or not at all."""
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "git_connections"
        indexes = (("host", "repository"),)  # the projects a webhook delivery names
