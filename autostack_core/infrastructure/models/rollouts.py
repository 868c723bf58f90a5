"""Rolling releases: a promote that moves production traffic to a deployment in stages."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Project


class RolloutState(StrEnum):
    RUNNING = "running"
    """The current stage has a duration; the watcher advances it when it is over."""
    AWAITING_APPROVAL = "awaiting_approval"
    """The current stage waits for someone to advance it (dashboard, CLI or API)."""
    COMPLETED = "completed"
    """The new deployment took the production alias (an ordinary promote)."""
    ABORTED = "aborted"
    """Production went back to 100% on the previous deployment; ``reason`` says why."""

    @property
    def is_active(self) -> bool:
        return self in (RolloutState.RUNNING, RolloutState.AWAITING_APPROVAL)


class RollingRelease(Model):
    """One rolling release of a project, from the production deployment to a new one.

    ``stages`` is a list of ``{"percent": 1-99, "seconds": float | None}`` (None:
    the stage waits for approval); after the last one the new deployment is
    promoted. Every change is a conditional update on ``state`` and ``stage``,
    so two workers never both advance or abort it.
    """

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="rolling_releases", on_delete=fields.CASCADE
    )
    from_deployment = fields.CharField(max_length=16)
    to_deployment = fields.CharField(max_length=16)
    stages: list[dict[str, Any]] = fields.JSONField(default=list)
    stage = fields.IntField(default=0)
    state = fields.CharEnumField(RolloutState, default=RolloutState.RUNNING, max_length=24)
    max_error_rate = fields.FloatField()
    """Abort when the new deployment's 5xx answers exceed this percent of its requests."""
    max_p95_ms = fields.IntField(null=True)
    """Abort when the new deployment's 95th percentile answer time exceeds this (None: never)."""
    failure_budget = fields.IntField()
    """Abort at the latest when the new deployment has answered this many 5xx."""
    earlier_new_errors = fields.IntField(default=0)
    """The new deployment's 5xx answers in the stages before the current one (so a check
    reads only the current stage's window of the edge's counts)."""
    reason = fields.TextField(null=True)
    watcher = fields.CharField(max_length=32, null=True)
    watched_until = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField(auto_now_add=True)
    stage_started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "rolling_releases"
