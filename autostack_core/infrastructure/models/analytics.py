"""Web analytics: roll-ups of the edge's requests, daily visitor hashes, web vitals.

A roll-up row holds one deployment's requests in one minute, hour or day
(:class:`TrafficRollup`); a project's figures are the sum of its
deployments' rows. Latencies are kept as a histogram of fixed buckets, so
rows add up and the percentiles of any range are computed from their sum.
Visitors are hashes of the address and user agent with a salt of the day
(:class:`AnalyticsSalt`, deleted once the day is over): one visitor is the
same hash for one day and cannot be linked across days or projects.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Deployment, Project


class TrafficRollup(Model):
    """One deployment's requests in one period (``m``inute, ``h``our or ``d``ay)."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="traffic_rollups", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyNullableRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="traffic_rollups", null=True,
        on_delete=fields.SET_NULL,
    )
    """Null once the deployment is deleted: its requests stay in the project's figures."""
    period = fields.CharField(max_length=1)
    bucket = fields.DatetimeField()
    requests = fields.IntField(default=0)
    function_invocations = fields.IntField(default=0)
    """The requests the edge answered through a function or the server app (not files)."""
    bytes_sent = fields.BigIntField(default=0)
    status_2xx = fields.IntField(default=0)
    status_3xx = fields.IntField(default=0)
    status_4xx = fields.IntField(default=0)
    status_5xx = fields.IntField(default=0)
    latency: Any = fields.JSONField(default=list)
    """Request counts per latency bucket (``services.analytics.LATENCY_BOUNDS_MS``)."""
    paths: dict[str, int] = fields.JSONField(default=dict)
    """Requests per path, the most requested kept (``services.analytics.TOP_KEPT``)."""
    referrers: dict[str, int] = fields.JSONField(default=dict)
    """Requests per referring host (other sites only), the most frequent kept."""
    countries: dict[str, int] = fields.JSONField(default=dict)
    """Requests per country (ISO 3166-1 alpha-2 code, or ``unknown`` for loopback,
    private and unlisted addresses), the most frequent kept
    (``services.geography``)."""

    class Meta:
        table = "traffic_rollups"
        unique_together = (("deployment", "period", "bucket"),)
        indexes = (("project", "period", "bucket"),)


class AnalyticsVisitor(Model):
    """A visitor (a hash of the day) seen on a deployment in an hour or a day."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="analytics_visitors", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="analytics_visitors", on_delete=fields.CASCADE,
    )
    period = fields.CharField(max_length=1)
    bucket = fields.DatetimeField()
    visitor = fields.CharField(max_length=32)

    class Meta:
        table = "analytics_visitors"
        unique_together = (("deployment", "period", "bucket", "visitor"),)
        indexes = (("project", "period", "bucket"),)


class AnalyticsSalt(Model):
    """The salt of one day's visitor hashes; deleted when the day is over."""

    day = fields.DateField(primary_key=True)
    salt = fields.CharField(max_length=64)

    class Meta:
        table = "analytics_salts"


class AnalyticsCursor(Model):
    """How far a log source has been read: the file (inode) and the offset in it.

    Ingestion moves it with a conditional update in the transaction that writes
    the roll-ups, so two workers reading the same lines count them once.
    """

    source = fields.CharField(max_length=64, primary_key=True)
    inode = fields.BigIntField(default=0)
    offset = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "analytics_cursors"


class WebVital(Model):
    """One web vitals measure a visitor's browser sent for a page."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="web_vitals", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="web_vitals", on_delete=fields.CASCADE,
    )
    path = fields.CharField(max_length=200)
    metric = fields.CharField(max_length=8)
    value = fields.FloatField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "web_vitals"
        indexes = (("project", "created_at"),)
