"""Custom domains and the DNS zones a team connects: the tables of the domains plugin.

The feature is a plugin (``autostack_plugins.domains``), its tables are here:
Aerich runs one migration history for the one app ``models``, so a plugin's
tables cannot have a history of their own without more machinery (a second
Tortoise app, its own ``aerich`` table, ordering against the core's foreign
keys to projects and teams). The plugin imports this module, which
:mod:`autostack_core.public` declares public; the core itself never reads it.

A model's docstring is part of the model state each migration stores, so
``ConnectedZone``'s still says "DNS provider" (a DNS host, ``register_dns_hosts``)
until a migration with a schema change carries a new one.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team
from autostack_core.infrastructure.models.enums import SslStatus
from autostack_core.infrastructure.models.projects import Project
from autostack_core.infrastructure.models.sealing import sealed


class Domain(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="domains", on_delete=fields.CASCADE
    )
    domain_name = fields.CharField(max_length=253, unique=True)
    git_branch = fields.CharField(max_length=200, null=True)
    redirect_to = fields.CharField(max_length=253, null=True)
    redirect_status = fields.IntField(null=True)
    verification_token = fields.CharField(max_length=64)
    is_verified = fields.BooleanField(default=False)
    dns_configured = fields.BooleanField(default=False)
    dns_zone: fields.ForeignKeyNullableRelation[ConnectedZone] = fields.ForeignKeyField(
        "models.ConnectedZone", related_name="domains", null=True, on_delete=fields.SET_NULL
    )
    """The connected zone AutoStack wrote this domain's records in, if any."""
    dns_zone_error: str | None = fields.TextField(null=True)
    ssl_status = fields.CharEnumField(SslStatus, default=SslStatus.NONE, max_length=16)
    ssl_error = fields.TextField(null=True)
    cert_expires_at = fields.DatetimeField(null=True)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domains"


class ConnectedZone(Model):
    """A team's DNS zone that AutoStack changes through a DNS provider plugin.

    ``config`` holds what the provider's ``fields`` asked for (ids and
    credentials) as one sealed JSON object; it never leaves the server.
    """

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="dns_zones", on_delete=fields.CASCADE
    )
    # The DNS host's name (``route53``): the column keeps its first name, so stored zones
    # read as they were; "provider" means a runtime provider everywhere else.
    provider = fields.CharField(max_length=48)
    zone_name = fields.CharField(max_length=253)
    config_sealed = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    config_json = sealed("config_sealed", "dns_zones.config")

    class Meta:
        table = "dns_zones"
        unique_together = (("team", "zone_name"),)
