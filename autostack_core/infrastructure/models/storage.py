"""Which stored files each team uses (its share of the artifact store)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team


class TeamBlob(Model):
    """A stored file a team may use: it uploaded it, or one of its deployments keeps it.

    The store deduplicates across teams, but credit does not cross them: a team
    may only deploy by hash what it has here, so knowing another team's hash
    gains nothing. The sizes add up to the team's storage quota; gc keeps the
    rows in step with what the team's deployments still refer to.
    """

    id = fields.BigIntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="blobs", on_delete=fields.CASCADE
    )
    sha256 = fields.CharField(max_length=64)
    size = fields.BigIntField()
    stored_at = fields.DatetimeField()
    """When the team last uploaded or stored it (gc spares recent ones: uploads in flight)."""

    class Meta:
        table = "team_blobs"
        unique_together = (("team", "sha256"),)
