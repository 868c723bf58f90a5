"""Uptime checks and incidents: the tables of the uptime plugin (``autostack_plugins.uptime``).

Kept in the core's models for the reason the domains plugin's tables are
(:mod:`autostack_core.infrastructure.models.domains`): one Aerich history.
An :class:`UptimeCheck` is claimed before its request is sent: the unique
(project, hostname, slot) key lets one of any number of schedulers win each
check interval. An :class:`UptimeIncident` carries ``open_key`` while it is
open and NULL once it ended: the unique (project, open_key) key lets one
worker open (and announce) it, a conditional update lets one close it.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Project


class UptimeCheck(Model):
    """One request to one production hostname for one check interval (``slot``).

    ``ok`` is None until the answer (or its absence) is recorded; ``cause`` says
    why a failed check failed: ``status`` (an answer of 400 or above, in
    ``status_code``), ``timeout`` or ``connection``; ``error`` the details.
    """

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="uptime_checks", on_delete=fields.CASCADE
    )
    hostname = fields.CharField(max_length=253)
    slot = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    ok = fields.BooleanField(null=True)
    status_code = fields.IntField(null=True)
    cause = fields.CharField(max_length=16, null=True)
    error = fields.TextField(null=True)
    duration_ms = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "uptime_checks"
        unique_together = (("project", "hostname", "slot"),)
        indexes = (("project", "slot"),)


class UptimeIncident(Model):
    """A production hostname down (``kind`` ``down``: consecutive failed checks) or
    answering too many 5xx (``errors``: the edge's counts), from ``started_at`` to
    ``ended_at`` (None while open).

    ``cause`` is ``status``, ``timeout``, ``connection`` or ``errors``; ``detail``
    says it for people; ``checks_failed`` counts the failed checks it spans.
    """

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="uptime_incidents", on_delete=fields.CASCADE
    )
    hostname = fields.CharField(max_length=253)
    kind = fields.CharField(max_length=16)
    open_key = fields.CharField(max_length=280, null=True)
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    cause = fields.CharField(max_length=16)
    detail = fields.TextField()
    status_code = fields.IntField(null=True)
    checks_failed = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "uptime_incidents"
        unique_together = (("project", "open_key"),)
        indexes = (("project", "started_at"),)
