"""The enumerations stored in columns: roles, tiers, states, environments, kinds."""

from __future__ import annotations

from enum import StrEnum

# A release carries its environment to runtimes, so the enum is the public interfaces'.
from autostack_core.interfaces.runtime import Environment as Environment


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


class ProtectionMode(StrEnum):
    """Who may visit an environment's deployments (docs/protection.md)."""

    NONE = "none"
    PASSWORD = "password"
    TEAM = "team"


class SslStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"
