"""A team's settings for a runtime provider (the values of its ``config_fields``)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team
from autostack_core.infrastructure.models.sealing import sealed


class ProviderSettings(Model):
    """What a team entered for one runtime's fields (its cluster, account, credentials).

    ``provider`` is the runtime's name (a project's ``provider``); ``config``
    holds the values as one sealed JSON object, secret or not, and never
    leaves the server: forms and the API show which fields are set, not what.
    """

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="provider_settings", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=48)
    config_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    config_json = sealed("config_sealed", "provider_settings.config")

    class Meta:
        table = "provider_settings"
        unique_together = (("team", "provider"),)
