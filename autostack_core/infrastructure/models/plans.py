"""Plans: the limits a server's admins set for teams (projects, members, builds, bandwidth...).

A team follows the plan it is assigned; a team without one follows the plan
marked ``is_default``, and has no limits when none is (a server that hosts
only its owner's projects needs no plan at all). Every limit is nullable:
None means unlimited. The seed's three tiers (Free, Pro, Enterprise) are
written by the migration that made the table.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OverBandwidth(StrEnum):
    """What the edge does for a team past its month's bandwidth."""

    BLOCK = "block"
    """Answer a page that says the plan's bandwidth is used up (HTTP 402)."""
    THROTTLE = "throttle"
    """Keep serving, slowly: 429 with ``Retry-After`` past the plan's ``throttle_rate``."""


class Plan(Model):
    """Limits for the teams on it; None is unlimited."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=80)
    projects = fields.IntField(null=True)
    members = fields.IntField(null=True)
    """Members of the team, owner included, plus its pending invitations."""
    custom_domains = fields.IntField(null=True)
    deployments_per_day = fields.IntField(null=True)
    """Deployments created in one UTC day, across the team's projects."""
    build_minutes_per_month = fields.IntField(null=True)
    bandwidth_bytes_per_month = fields.BigIntField(null=True)
    storage_bytes = fields.BigIntField(null=True)
    concurrent_builds = fields.IntField(null=True)
    over_bandwidth = fields.CharEnumField(OverBandwidth, default=OverBandwidth.BLOCK,
                                          max_length=16)
    throttle_rate = fields.CharField(max_length=32, default="5/10")
    """``RATE/BURST``: requests per second (and at once) a project of a team past its
    bandwidth is served at when ``over_bandwidth`` is ``throttle``."""
    rate_limit_address = fields.CharField(max_length=32, null=True)
    """``RATE/BURST`` per client address on one project; None: the server's setting."""
    rate_limit_project = fields.CharField(max_length=32, null=True)
    """``RATE/BURST`` per project, every address; None: the server's setting."""
    is_default = fields.BooleanField(default=False)
    """The plan of every team that was assigned none (at most one plan is the default)."""
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "plans"
