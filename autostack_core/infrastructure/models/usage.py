"""Measured usage: one row per deployment and UTC day, sampled from its runtime.

The runtime reports a release's CPU time as a counter (seconds since its
processes started) and its memory now (:class:`autostack_core.interfaces.usage.ResourceUsage`);
each sample adds the counter's growth since ``last_cpu`` (all of it after a
restart reset the counter) and the memory seen. ``last_sampled`` is the
sample slot that wrote the row last: a sample is written with a conditional
update on it, so two workers sampling the same slot count it once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team
from autostack_core.infrastructure.models.projects import Project


class UsageDay(Model):
    """What one deployment of a project used on one UTC day, as its runtime measured it."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="usage_days", on_delete=fields.CASCADE
    )
    deployment_id = fields.CharField(max_length=32)
    day = fields.DateField()
    runtime = fields.CharField(max_length=64)
    cpu_seconds = fields.FloatField(default=0.0)
    memory_mb_sum = fields.FloatField(default=0.0)
    """The memory of every sample added up (divided by ``samples``: the average)."""
    memory_mb_peak = fields.FloatField(default=0.0)
    samples = fields.IntField(default=0)
    last_cpu = fields.FloatField(default=0.0)
    last_sampled = fields.DatetimeField(null=True)

    class Meta:
        table = "usage_days"
        unique_together = (("project", "deployment_id", "day"),)
        indexes = (("project", "day"),)


class StorageDay(Model):
    """The most a team stored on one UTC day (its distinct stored files), as sampled."""

    id = fields.BigIntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="storage_days", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    peak_bytes = fields.BigIntField(default=0)

    class Meta:
        table = "storage_days"
        unique_together = (("team", "day"),)
