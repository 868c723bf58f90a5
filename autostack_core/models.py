"""The data model (Tortoise ORM). Schema changes go through Aerich migrations only.

Secrets live in ``*_sealed`` columns, encrypted with the active keyring; read
and write them through the properties made by :func:`sealed`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.crypto import active_keyring
from autostack_core.utils import random_id


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Tier(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class DeploymentState(StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    DEPLOYING = "deploying"
    READY = "ready"
    ERROR = "error"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        return self in (DeploymentState.READY, DeploymentState.ERROR, DeploymentState.CANCELED)


class Environment(StrEnum):
    PRODUCTION = "production"
    PREVIEW = "preview"
    DEVELOPMENT = "development"


class CreatorType(StrEnum):
    MANUAL = "manual"
    WEBHOOK = "webhook"
    AUTO = "auto"
    GIT_PUSH = "git-push"
    DEPLOY_HOOK = "deploy-hook"


class AliasKind(StrEnum):
    PRODUCTION = "production"
    DEPLOYMENT = "deployment"
    BRANCH = "branch"
    PULL_REQUEST = "pull-request"
    CUSTOM = "custom"


class SslStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


class AnalyticsEventType(StrEnum):
    REQUEST = "request"
    ERROR = "error"
    METRIC = "metric"


def sealed(column: str, context: str) -> property:
    """A str property that encrypts into ``column`` and decrypts out of it."""

    def getter(self: Model) -> str | None:
        value = getattr(self, column)
        return None if value is None else active_keyring().open(value, context)

    def setter(self: Model, plaintext: str | None) -> None:
        value = None if plaintext is None else active_keyring().seal(plaintext, context)
        setattr(self, column, value)

    return property(getter, setter)


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120, default="")
    avatar_url = fields.CharField(max_length=500, null=True)
    password_hash = fields.CharField(max_length=200, null=True)
    github_id = fields.BigIntField(null=True, unique=True)
    github_token_sealed = fields.TextField(null=True)
    subscription_tier = fields.CharEnumField(Tier, default=Tier.FREE, max_length=16)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    github_token = sealed("github_token_sealed", "users.github_token")

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


class Project(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="projects", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="projects", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=48, unique=True)
    github_repo = fields.CharField(max_length=500, null=True)
    # Whose GitHub access clones ``github_repo``, and nothing else (git_credentials).
    git_connected_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="git_connections", null=True, on_delete=fields.SET_NULL
    )
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
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    webhook_secret = sealed("webhook_secret_sealed", "projects.webhook_secret")

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
    is_production = fields.BooleanField(default=False)
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

    @property
    def target(self) -> Environment:
        """Where the deployment goes: production or preview, one concept everywhere (the
        API's and notifications' ``target``, ``AUTOSTACK_ENV`` in a build, the environment
        whose variables it gets), stored as ``is_production``."""
        return Environment.PRODUCTION if self.is_production else Environment.PREVIEW

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


class Domain(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="domains", on_delete=fields.CASCADE
    )
    domain_name = fields.CharField(max_length=253, unique=True)
    git_branch = fields.CharField(max_length=200, null=True)
    redirect_to = fields.CharField(max_length=253, null=True)
    redirect_status = fields.IntField(null=True)
    verification_token = fields.CharField(max_length=64)
    is_verified = fields.BooleanField(default=False)
    dns_configured = fields.BooleanField(default=False)
    dns_zone: fields.ForeignKeyNullableRelation[ConnectedZone] = fields.ForeignKeyField(
        "models.ConnectedZone", related_name="domains", null=True, on_delete=fields.SET_NULL
    )
    """The connected zone AutoStack wrote this domain's records in, if any."""
    dns_zone_error: str | None = fields.TextField(null=True)
    ssl_status = fields.CharEnumField(SslStatus, default=SslStatus.NONE, max_length=16)
    ssl_error = fields.TextField(null=True)
    cert_expires_at = fields.DatetimeField(null=True)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domains"


class ConnectedZone(Model):
    """A team's DNS zone that AutoStack changes through a DNS provider plugin.

    ``config`` holds what the provider's ``fields`` asked for (ids and
    credentials) as one sealed JSON object; it never leaves the server.
    """

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="dns_zones", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=48)
    zone_name = fields.CharField(max_length=253)
    config_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    config_json = sealed("config_sealed", "dns_zones.config")

    class Meta:
        table = "dns_zones"
        unique_together = (("team", "zone_name"),)


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


class AuditEvent(Model):
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

    class Meta:
        table = "audit_events"
        # What the rate limits count (autostack_core.throttle): recent events of one action
        # from one address, or by one user.
        indexes = (("action", "ip", "created_at"), ("action", "user", "created_at"))


class AnalyticsEvent(Model):
    id = fields.BigIntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="analytics_events", on_delete=fields.CASCADE
    )
    event_type = fields.CharEnumField(AnalyticsEventType, max_length=16)
    path = fields.CharField(max_length=2000, default="")
    status_code = fields.IntField(null=True)
    response_time_ms = fields.FloatField(null=True)
    user_agent = fields.CharField(max_length=500, default="")
    country = fields.CharField(max_length=2, null=True)
    timestamp = fields.DatetimeField()

    class Meta:
        table = "analytics_events"


class AnalyticsRollup(Model):
    """Per-project, per-hour aggregates of the edge's access log."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="analytics_rollups", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyNullableRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="analytics_rollups", null=True,
        on_delete=fields.SET_NULL,
    )
    bucket = fields.DatetimeField()
    requests = fields.IntField(default=0)
    errors = fields.IntField(default=0)
    bytes_sent = fields.BigIntField(default=0)
    visitors = fields.IntField(default=0)
    avg_response_ms = fields.FloatField(default=0)
    p95_response_ms = fields.FloatField(default=0)

    class Meta:
        table = "analytics_rollups"
        unique_together = (("project", "deployment", "bucket"),)


class TeamBlob(Model):
    """A stored file a team may use: it uploaded it, or one of its deployments keeps it.

    The store deduplicates across teams, but credit does not cross them: a team
    may only deploy by hash what it has here, so knowing another team's hash
    gains nothing. The sizes add up to the team's storage quota; gc keeps the
    rows in step with what the team's deployments still refer to.
    """

    id = fields.BigIntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="blobs", on_delete=fields.CASCADE
    )
    sha256 = fields.CharField(max_length=64)
    size = fields.BigIntField()
    stored_at = fields.DatetimeField()
    """When the team last uploaded or stored it (gc spares recent ones: uploads in flight)."""

    class Meta:
        table = "team_blobs"
        unique_together = (("team", "sha256"),)


SEALED_COLUMNS: tuple[tuple[type[Model], str, str], ...] = (
    (User, "github_token_sealed", "users.github_token"),
    (Project, "webhook_secret_sealed", "projects.webhook_secret"),
    (EnvironmentVariable, "value_sealed", "environment_variables.value"),
    (DeployHook, "token_sealed", "deploy_hooks.token"),
    (ConnectedZone, "config_sealed", "dns_zones.config"),
)
"""Every encrypted column with its authenticated context; key rotation walks these."""
