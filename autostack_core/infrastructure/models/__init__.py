"""The data model (Tortoise ORM). Schema changes go through Aerich migrations only.

Secrets live in ``*_sealed`` columns, encrypted with the active keyring; read
and write them through the properties made by :func:`sealed`.
"""

from __future__ import annotations

from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import (
    ApiToken,
    AuditEvent,
    Invitation,
    Team,
    TeamMember,
    User,
    UserSession,
)
from autostack_core.infrastructure.models.analytics import (
    AnalyticsCursor,
    AnalyticsSalt,
    AnalyticsVisitor,
    TrafficRollup,
    WebVital,
)
from autostack_core.infrastructure.models.collaboration import (
    DeploymentComment,
    Presence,
    UserNotification,
)
from autostack_core.infrastructure.models.crons import CronRun, DeploymentCron
from autostack_core.infrastructure.models.databases import (
    Database,
    DatabaseBackup,
    DatabaseLink,
)
from autostack_core.infrastructure.models.domains import ConnectedZone, Domain
from autostack_core.infrastructure.models.enums import (
    ROLE_RANK,
    AliasKind,
    CreatorType,
    DeploymentState,
    Environment,
    ProtectionMode,
    Role,
    SslStatus,
    Tier,
)
from autostack_core.infrastructure.models.forms import DeploymentForm, FormSubmission
from autostack_core.infrastructure.models.git import GitAccount, GitConnection
from autostack_core.infrastructure.models.identities import UserIdentity
from autostack_core.infrastructure.models.log_drains import LogDrain
from autostack_core.infrastructure.models.plans import OverBandwidth, Plan
from autostack_core.infrastructure.models.projects import (
    Alias,
    DeployHook,
    Deployment,
    DeploymentLog,
    EnvironmentVariable,
    Project,
    WebhookDelivery,
    new_deployment_id,
)
from autostack_core.infrastructure.models.providers import ProviderSettings
from autostack_core.infrastructure.models.rollouts import RollingRelease, RolloutState
from autostack_core.infrastructure.models.sealing import sealed
from autostack_core.infrastructure.models.sso import SsoSession, TeamSso
from autostack_core.infrastructure.models.storage import TeamBlob
from autostack_core.infrastructure.models.uptime import UptimeCheck, UptimeIncident
from autostack_core.infrastructure.models.usage import StorageDay, UsageDay

SEALED_COLUMNS: tuple[tuple[type[Model], str, str], ...] = (
    (Project, "webhook_secret_sealed", "projects.webhook_secret"),
    (EnvironmentVariable, "value_sealed", "environment_variables.value"),
    (DeployHook, "token_sealed", "deploy_hooks.token"),
    (ConnectedZone, "config_sealed", "dns_zones.config"),
    (Project, "protection_bypass_sealed", "projects.protection_bypass"),
    (GitAccount, "credential_sealed", "users.github_token"),
    (ProviderSettings, "config_sealed", "provider_settings.config"),
    (LogDrain, "headers_sealed", "log_drains.headers"),
    (TeamSso, "client_secret_sealed", "team_sso.client_secret"),
    (Database, "password_sealed", "databases.password"),
    (Database, "url_sealed", "databases.url"),
)
"""Every encrypted column with its authenticated context; key rotation walks these."""

__all__ = [
    "ROLE_RANK",
    "SEALED_COLUMNS",
    "Alias",
    "AliasKind",
    "AnalyticsCursor",
    "AnalyticsSalt",
    "AnalyticsVisitor",
    "ApiToken",
    "AuditEvent",
    "ConnectedZone",
    "CreatorType",
    "CronRun",
    "Database",
    "DatabaseBackup",
    "DatabaseLink",
    "DeployHook",
    "Deployment",
    "DeploymentComment",
    "DeploymentCron",
    "DeploymentForm",
    "DeploymentLog",
    "DeploymentState",
    "Domain",
    "Environment",
    "EnvironmentVariable",
    "FormSubmission",
    "GitAccount",
    "GitConnection",
    "Invitation",
    "LogDrain",
    "OverBandwidth",
    "Plan",
    "Presence",
    "Project",
    "ProtectionMode",
    "ProviderSettings",
    "Role",
    "RollingRelease",
    "RolloutState",
    "SslStatus",
    "SsoSession",
    "StorageDay",
    "Team",
    "TeamBlob",
    "TeamMember",
    "TeamSso",
    "Tier",
    "TrafficRollup",
    "UptimeCheck",
    "UptimeIncident",
    "UsageDay",
    "User",
    "UserIdentity",
    "UserNotification",
    "UserSession",
    "WebVital",
    "WebhookDelivery",
    "new_deployment_id",
    "sealed",
]
