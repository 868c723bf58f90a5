"""A project's cron jobs, for the crons plugin and the dashboard.

Public (:mod:`autostack_core.public`): the crons plugin
(``autostack_plugins.crons``) schedules and sends the requests; this module
holds what both it and the dashboard read and change. The crons that run are
those of the deployment the production alias points at, and only when that
deployment was built for production (:func:`scheduled_deployment`): a
preview's crons are recorded at build and never run. A project turns its
crons off and on in ``Project.settings["crons_enabled"]`` (on by default).
A run started by hand is persisted, then handed to the plugin's queue task
:data:`RUN_TASK`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    Environment,
    EnvironmentVariable,
    Project,
    ProtectionMode,
)
from autostack_core.infrastructure.models.crons import CronRun, DeploymentCron
from autostack_core.security import accounts
from autostack_core.services import deployments

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Deployment, User

RUN_TASK = "crons_run"
"""The crons plugin's queue task that sends one persisted run's request (its id)."""
HISTORY_LIMIT = 50
SECRET_VARIABLE = "CRON_SECRET"
BYPASS_BYTES = 24


async def scheduled_deployment(app: AutoStack, project: Project) -> Deployment | None:
    """The deployment whose crons run: the production alias's, if built for production."""
    deployment = await deployments.production_deployment(app, project)
    if deployment is None or deployment.target != Environment.PRODUCTION \
            or deployment.deleted_at is not None:
        return None
    return deployment


async def crons_of(deployment: Deployment) -> list[DeploymentCron]:
    """The crons ``deployment``'s ``vercel.json`` declared, by path."""
    return await DeploymentCron.filter(deployment=deployment).order_by("path", "schedule")


def crons_enabled(project: Project) -> bool:
    return bool(project.settings.get("crons_enabled", True))


async def set_enabled(project: Project, enabled: bool, user: User) -> None:
    """``user`` turns the project's crons on or off (persisted, then audited as
    ``project.crons_changed``)."""
    project.settings = {**project.settings, "crons_enabled": enabled,
                        "crons_enabled_at": datetime.now(UTC).isoformat()}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.crons_changed", user=user, team=await project.team,
                         target=("project", str(project.id)), enabled=enabled)


def active_since(project: Project, deployment: Deployment) -> datetime | None:
    """Since when ``deployment``'s crons may run: it was ready and the crons were on."""
    moments = [deployment.ready_at]
    switched = project.settings.get("crons_enabled_at")
    if isinstance(switched, str):
        moments.append(datetime.fromisoformat(switched))
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


async def recent_runs(project: Project, limit: int = HISTORY_LIMIT) -> list[CronRun]:
    """The project's latest runs, newest first."""
    return await CronRun.filter(project=project).order_by("-created_at", "-id").limit(limit)


async def start_run(app: AutoStack, project: Project, path: str, user: User) -> CronRun:
    """``user`` runs the production deployment's cron for ``path`` now (persisted, audited
    as ``project.cron_run``, then queued).

    404 (naming ``path``) when production has no such cron, 409 without the
    crons plugin's queue task.
    """
    deployment = await scheduled_deployment(app, project)
    cron = None if deployment is None else await DeploymentCron.filter(
        deployment=deployment, path=path).first()
    if deployment is None or cron is None:
        raise NotFound("cron", "path")
    if RUN_TASK not in app.queue.jobs:
        raise ApiError(409, "crons are not available: the crons plugin is not loaded")
    run = await CronRun.create(project=project, deployment=deployment, path=cron.path,
                               schedule=cron.schedule, manual=True)
    await accounts.audit("project.cron_run", user=user, team=await project.team,
                         target=("project", str(project.id)), path=run.path)
    app.queue.enqueue(RUN_TASK, run.id)
    return run


def run_json(run: CronRun) -> dict[str, Any]:
    def stamp(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {"id": run.id, "path": run.path, "schedule": run.schedule,
            "deployment": run.deployment_id,  # type: ignore[attr-defined]
            "manual": run.manual, "scheduled_for": stamp(run.scheduled_for),
            "started_at": stamp(run.started_at), "created_at": stamp(run.created_at),
            "status_code": run.status_code, "duration_ms": run.duration_ms,
            "error": run.error}


async def automation_bypass(project: Project, by: str) -> str | None:
    """The bypass secret a cron request (or another automation, ``by``) carries when
    production is protected.

    Vercel's crons reach protected deployments; here they carry the project's
    Protection Bypass for Automation secret, which is made (persisted and
    audited as made by ``by``, shown nowhere) when production is protected and
    has none yet.
    """
    if project.protection_production == ProtectionMode.NONE:
        return None
    if project.protection_bypass is None:
        project.protection_bypass = secrets.token_urlsafe(BYPASS_BYTES)
        # Conditional: two workers minting at once keep the first secret, not both.
        if await Project.filter(id=project.id, protection_bypass_sealed__isnull=True).update(
                protection_bypass_sealed=project.protection_bypass_sealed):
            await accounts.audit("project.protection_bypass_created", team=await project.team,
                                 target=("project", str(project.id)), by=by)
        await project.refresh_from_db(fields=["protection_bypass_sealed"])
    secret: str | None = project.protection_bypass
    return secret


async def cron_secret(project: Project) -> str | None:
    """The project's production ``CRON_SECRET`` variable, which a cron request carries."""
    variable = await EnvironmentVariable.get_or_none(
        project=project, key=SECRET_VARIABLE, environment=Environment.PRODUCTION)
    value: str | None = None if variable is None else variable.value
    return value
