"""One-click databases: the tables of the services plugins (``autostack_plugins.services``).

Kept in the core's models for the reason the domains plugin's tables are
(:mod:`autostack_core.infrastructure.models.domains`): one Aerich history.
A :class:`Database` belongs to a team; a :class:`DatabaseLink` gives one of
the team's projects its URL (``DATABASE_URL``, ``REDIS_URL``) and, on the
local runtime, a way to its port from the app's network namespace. Its
password is sealed like every secret at rest.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from autostack_core.infrastructure.models.accounts import Team
from autostack_core.infrastructure.models.projects import Project
from autostack_core.infrastructure.models.sealing import sealed


class Database(Model):
    """A database service: ``kind`` names its plugin (``postgres``, ``redis``).

    ``status`` is ``starting``, ``running``, ``failed`` or ``stopped``; ``error``
    says why it failed. ``port`` is its loopback port, unique on the server.
    ``backup_keep`` is how many of its backups are kept (the oldest go first).
    ``runtime`` is where its server runs: ``local`` (Debian's binaries in a sandbox)
    or the container runtime of the project it was created for (``containers``,
    ``kubernetes``), which runs it from an image.
    """

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="databases", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=63)
    kind = fields.CharField(max_length=32)
    port = fields.IntField(unique=True)
    password_sealed = fields.TextField()
    status = fields.CharField(max_length=16, default="starting")
    error = fields.TextField(null=True)
    env_key = fields.CharField(max_length=64)
    url_sealed = fields.TextField()
    backup_keep = fields.IntField(default=7)
    runtime = fields.CharField(max_length=48, default="local")
    created_at = fields.DatetimeField(auto_now_add=True)

    password = sealed("password_sealed", "databases.password")
    url = sealed("url_sealed", "databases.url")
    """What linked deployments get in ``env_key``, sealed like their variables."""

    class Meta:
        table = "databases"
        unique_together = (("team", "name"),)


class DatabaseLink(Model):
    """A project whose deployments get the database's URL."""

    id = fields.IntField(primary_key=True)
    database: fields.ForeignKeyRelation[Database] = fields.ForeignKeyField(
        "models.Database", related_name="links", on_delete=fields.CASCADE
    )
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "models.Project", related_name="database_links", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "database_links"
        unique_together = (("database", "project"),)


class DatabaseBackup(Model):
    """One backup file of a database (``pg_dump -Fc``, or a copy of Redis' ``dump.rdb``).

    ``status`` is ``running``, ``done`` or ``failed``; ``file`` is relative to
    the database's backups folder.
    """

    id = fields.IntField(primary_key=True)
    database: fields.ForeignKeyRelation[Database] = fields.ForeignKeyField(
        "models.Database", related_name="backups", on_delete=fields.CASCADE
    )
    file = fields.CharField(max_length=128)
    status = fields.CharField(max_length=16, default="running")
    size_bytes = fields.BigIntField(default=0)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "database_backups"
