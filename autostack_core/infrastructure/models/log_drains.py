"""Log drains: where a project's build, runtime and edge logs are sent."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.projects import Project
from autostack_core.infrastructure.models.sealing import sealed


class LogDrain(Model):
    """One destination of a project's logs: an HTTPS endpoint taking NDJSON, or an
    OpenTelemetry collector taking OTLP/HTTP (protobuf).

    ``sources`` lists what is sent (``build``, ``runtime``, ``edge``). The request
    headers (an API key, a bearer token) are sealed as one JSON object and never
    leave the server: the API shows their names only. ``sent`` and ``dropped``
    count the log records delivered and given up on (after the retries, or shed
    when the queue was full); ``last_error`` says why the last batch failed.
    """

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="log_drains", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)
    url = fields.CharField(max_length=2000)
    sources: list[str] = fields.JSONField(default=list)
    headers_sealed = fields.TextField(null=True)
    enabled = fields.BooleanField(default=True)
    sent = fields.BigIntField(default=0)
    dropped = fields.BigIntField(default=0)
    last_error = fields.TextField(null=True)
    last_delivery_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    headers_json = sealed("headers_sealed", "log_drains.headers")

    class Meta:
        table = "log_drains"
        unique_together = (("project", "name"),)
