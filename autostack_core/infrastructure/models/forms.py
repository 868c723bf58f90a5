"""Netlify forms: the tables of the forms plugin (``autostack_plugins.forms``).

Kept in the core's models for the reason the domains plugin's tables are
(:mod:`autostack_core.infrastructure.models.domains`): one Aerich history.
A deployment's forms are found in its HTML at build time; a submission is
stored for the project, naming the form and the deployment that served it.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Deployment, Project


class DeploymentForm(Model):
    """One ``<form netlify>`` (or ``data-netlify="true"``) of one deployment's HTML."""

    id = fields.IntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="forms", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    field_names: list[str] = fields.JSONField(default=list)
    honeypot = fields.CharField(max_length=128, null=True)
    action = fields.CharField(max_length=512, null=True)

    class Meta:
        table = "deployment_forms"
        unique_together = (("deployment", "name"),)


class FormSubmission(Model):
    """One accepted submission of a form: its fields as sent, in order, and who sent it."""

    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="form_submissions", on_delete=fields.CASCADE
    )
    deployment: fields.ForeignKeyNullableRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="form_submissions", null=True,
        on_delete=fields.SET_NULL
    )
    form_name = fields.CharField(max_length=128)
    data: list[Any] = fields.JSONField(default=list)
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "form_submissions"
        indexes = (("project", "form_name", "created_at"), ("project", "ip", "created_at"))
