"""Projects, their deployments and build logs, aliases, environment variables, deploy hooks
and webhook deliveries."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team, User
from autostack_core.infrastructure.models.enums import (
    AliasKind,
    CreatorType,
    DeploymentState,
    Environment,
    ProtectionMode,
)
from autostack_core.infrastructure.models.sealing import sealed
from autostack_core.utils import random_id


class Project(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="projects", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="projects", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=48, unique=True)
    git_url = fields.CharField(max_length=500, null=True)
    branch = fields.CharField(max_length=200, default="main")
    framework = fields.CharField(max_length=48, null=True)
    build_command = fields.CharField(max_length=1000, null=True)
    install_command = fields.CharField(max_length=1000, null=True)
    output_directory = fields.CharField(max_length=500, null=True)
    start_command = fields.CharField(max_length=1000, null=True)
    dev_command = fields.CharField(max_length=1000, null=True)
    root_directory = fields.CharField(max_length=500, default="")
    node_version = fields.CharField(max_length=32, null=True)
    provider = fields.CharField(max_length=48, default="local")
    production_url = fields.CharField(max_length=500, null=True)
    auto_deploy_enabled = fields.BooleanField(default=True)
    webhook_secret_sealed = fields.TextField(null=True)
    retention_keep = fields.IntField(null=True)
    settings: dict[str, Any] = fields.JSONField(default=dict)
    protection_production = fields.CharEnumField(ProtectionMode, default=ProtectionMode.NONE,
                                                 max_length=16)
    protection_preview = fields.CharEnumField(ProtectionMode, default=ProtectionMode.NONE,
                                              max_length=16)
    """Who may visit the production and the preview hostnames (docs/protection.md)."""
    protection_password_hash = fields.CharField(max_length=255, null=True)
    protection_bypass_sealed = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    webhook_secret = sealed("webhook_secret_sealed", "projects.webhook_secret")
    protection_bypass = sealed("protection_bypass_sealed", "projects.protection_bypass")

    class Meta:
        table = "projects"
        indexes = (("team", "updated_at"),)  # the dashboard's page of a team's projects


def new_deployment_id() -> str:
    return random_id(10)


class Deployment(Model):
    id = fields.CharField(max_length=16, primary_key=True, default=new_deployment_id)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="deployments", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="deployments", null=True, on_delete=fields.SET_NULL
    )
    state = fields.CharEnumField(DeploymentState, default=DeploymentState.QUEUED, max_length=16)
    target = fields.CharEnumField(Environment, default=Environment.PREVIEW, max_length=16)
    """Where the deployment goes, production or preview: one concept everywhere (the API's
    and notifications' ``target``, ``AUTOSTACK_ENV`` in a build, the environment whose
    variables it gets, the runtime's ``Release.target``)."""
    creator_type = fields.CharEnumField(CreatorType, default=CreatorType.MANUAL, max_length=16)
    source_type = fields.CharField(max_length=16, default="upload")
    git_url = fields.CharField(max_length=500, null=True)
    commit_sha = fields.CharField(max_length=64, null=True)
    commit_message = fields.CharField(max_length=500, null=True)
    branch = fields.CharField(max_length=200, null=True)
    pull_request = fields.IntField(null=True)
    upload_manifest: dict[str, Any] | None = fields.JSONField(null=True)
    source_hash = fields.CharField(max_length=64, null=True)
    output_manifest_hash = fields.CharField(max_length=64, null=True)
    detection: dict[str, Any] | None = fields.JSONField(null=True)
    pipeline: dict[str, Any] | None = fields.JSONField(null=True)
    """The steps this deployment ran, each with its status, and its approval (issue 18)."""
    deployment_url = fields.CharField(max_length=500, null=True)
    error_message = fields.TextField(null=True)
    cancel_requested = fields.BooleanField(default=False)
    worker_id = fields.CharField(max_length=100, null=True)
    build_time_seconds = fields.FloatField(null=True)
    deploy_time_seconds = fields.FloatField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    building_at = fields.DatetimeField(null=True)
    deploying_at = fields.DatetimeField(null=True)
    ready_at = fields.DatetimeField(null=True)
    error_at = fields.DatetimeField(null=True)
    canceled_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deployments"
        indexes = (("project", "created_at"),)  # a project's deployments, newest first


class DeploymentLog(Model):
    """One build or deploy log line; the seed's ``deployments.logs`` lives here."""

    id = fields.BigIntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="logs", on_delete=fields.CASCADE
    )
    timestamp = fields.DatetimeField(auto_now_add=True)
    step = fields.CharField(max_length=16)
    stream = fields.CharField(max_length=8, default="stdout")
    line = fields.TextField()

    class Meta:
        table = "deployment_logs"
        indexes = (("deployment", "id"),)  # one deployment's lines in order, or its last one


class Alias(Model):
    id = fields.IntField(primary_key=True)
    hostname = fields.CharField(max_length=253, unique=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="aliases", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyNullableRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="aliases", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(AliasKind, max_length=16)
    branch = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "aliases"


class EnvironmentVariable(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="environment_variables", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=256)
    value_sealed = fields.TextField()
    environment = fields.CharEnumField(Environment, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    value = sealed("value_sealed", "environment_variables.value")

    class Meta:
        table = "environment_variables"
        unique_together = (("project", "key", "environment"),)


class DeployHook(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="deploy_hooks", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=120)
    branch = fields.CharField(max_length=200)
    token_hash = fields.CharField(max_length=64, unique=True)
    token_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    token = sealed("token_sealed", "deploy_hooks.token")

    class Meta:
        table = "deploy_hooks"


class WebhookDelivery(Model):
    """Delivery ids already handled, so a redelivered event deploys once."""

    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=16)
    delivery_id = fields.CharField(max_length=128)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("provider", "delivery_id"),)
