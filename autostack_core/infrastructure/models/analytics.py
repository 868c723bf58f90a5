"""Web analytics: raw events and their hourly rollups."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.enums import AnalyticsEventType
from autostack_core.infrastructure.models.projects import Deployment, Project


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
