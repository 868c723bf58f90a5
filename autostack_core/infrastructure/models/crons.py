"""Cron jobs from ``vercel.json``: the tables of the crons plugin (``autostack_plugins.crons``).

Kept in the core's models for the reason the domains plugin's tables are
(:mod:`autostack_core.infrastructure.models.domains`): one Aerich history.
A deployment's crons are recorded at build time; only those of the
deployment the production alias points at are scheduled. A :class:`CronRun`
is claimed before its request is sent: the unique (project, path, schedule,
minute) key is what stops two schedulers from firing the same minute twice.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Deployment, Project


class DeploymentCron(Model):
    """One ``crons`` entry of one deployment's ``vercel.json``."""

    id = fields.IntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="crons", on_delete=fields.CASCADE
    )
    path = fields.CharField(max_length=512)
    schedule = fields.CharField(max_length=256)

    class Meta:
        table = "deployment_crons"
        unique_together = (("deployment", "path", "schedule"),)


class CronRun(Model):
    """One request made (or being made) for a cron: scheduled, or started by hand.

    ``scheduled_for`` is the UTC minute a scheduled run belongs to (None for a
    run started by hand); ``status_code`` and ``duration_ms`` are None until
    the answer comes, ``error`` says why there was none (refused, timed out).
    """

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="cron_runs", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyNullableRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="cron_runs", null=True, on_delete=fields.SET_NULL
    )
    path = fields.CharField(max_length=512)
    schedule = fields.CharField(max_length=256)
    scheduled_for = fields.DatetimeField(null=True)
    manual = fields.BooleanField(default=False)
    started_at = fields.DatetimeField(null=True)
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField(null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cron_runs"
        unique_together = (("project", "path", "schedule", "scheduled_for"),)
        indexes = (("project", "created_at"),)  # the history, newest first
