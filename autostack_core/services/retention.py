"""Retention: keep the last N deployments per project and everything an alias serves.

Older deployments are marked deleted, taken off the edge and their folders
removed; then the store drops every manifest and object no kept deployment
refers to, sparing files stored in the last ``gc_grace_seconds`` (uploads
for a deployment not created yet), and each team's file credits follow what
its deployments still keep (:func:`team_files.reconcile`), the audit log drops rows
older than ``audit_retention_days`` and users' notifications go 90 days after they were
read (:func:`inbox.prune_read`). ``autostack gc`` runs it by hand; the queue runs it hourly.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, Deployment, DeploymentState, Project
from autostack_core.infrastructure.store import Store
from autostack_core.infrastructure.store_gc import GcReport
from autostack_core.services import audit, inbox, screenshots, team_files
from autostack_core.services.deployments import production_deployment, request_cancel

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

@dataclass(frozen=True)
class RetentionReport:
    deployments_removed: int
    store: GcReport
    team_files_removed: int = 0
    audit_events_removed: int = 0
    notifications_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"deployments_removed": self.deployments_removed, **asdict(self.store),
                "team_files_removed": self.team_files_removed,
                "audit_events_removed": self.audit_events_removed,
                "notifications_removed": self.notifications_removed}


async def expired_deployments(app: AutoStack, project: Project) -> list[Deployment]:
    """Final deployments beyond the project's keep count that no alias points at."""
    keep = project.retention_keep or app.settings.retention_keep
    aliased = {
        str(deployment_id)
        for deployment_id in await Alias.filter(project=project, deployment_id__isnull=False)
        .exclude(kind="deployment").values_list("deployment_id", flat=True)
    }
    rows = await Deployment.filter(project=project, deleted_at__isnull=True) \
        .order_by("-created_at")
    return [
        row for row in rows[keep:]
        if row.id not in aliased and DeploymentState(row.state).is_final
    ]


async def remove_deployment(app: AutoStack, project: Project, deployment: Deployment) -> None:
    """Mark ``deployment`` deleted, drop and unbind its aliases, destroy it on its runtime."""
    async with in_transaction():
        hostnames = await Alias.filter(deployment_id=deployment.id) \
            .values_list("hostname", flat=True)
        await Alias.filter(deployment_id=deployment.id).delete()
        await Deployment.filter(id=deployment.id).update(deleted_at=datetime.now(UTC))
    for hostname in hostnames:
        await app.edge.unbind(str(hostname))
    runtime = app.runtimes.get(project.provider)
    if runtime is not None:
        await runtime.destroy(deployment.id)
    screenshots.remove(app.settings, deployment.id)


async def delete_deployment(app: AutoStack, project: Project, deployment: Deployment) -> None:
    """What a user's delete does: refused while it serves production, canceled if running."""
    current = await production_deployment(app, project)
    if current is not None and current.id == deployment.id:
        raise ApiError(409, "this deployment serves production: promote another one first",
                       "deployment")
    if not DeploymentState(deployment.state).is_final:
        await request_cancel(app, deployment)
    await remove_deployment(app, project, deployment)
    await audit.record("deployment.deleted", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       details={"state": str(deployment.state)})


async def remove_project(app: AutoStack, project: Project) -> None:
    """Take every deployment of ``project`` off the edge, then delete it and its files.

    Builds still running are canceled first; the rows go last, so a failure
    half-way leaves a project that can be deleted again, never orphaned files.
    """
    for deployment in await Deployment.filter(project=project, deleted_at__isnull=True):
        if not DeploymentState(deployment.state).is_final:
            await request_cancel(app, deployment)
        await remove_deployment(app, project, deployment)
    for folder in (app.settings.path("git", f"{project.name}.git"),
                   app.settings.path("cache", str(project.id))):
        shutil.rmtree(folder, ignore_errors=True)
    await project.delete()


async def collect_garbage(app: AutoStack) -> RetentionReport:
    removed = 0
    for project in await Project.all():
        for deployment in await expired_deployments(app, project):
            await remove_deployment(app, project, deployment)
            removed += 1
    live = await Deployment.filter(deleted_at__isnull=True)
    keep_manifests = {row.output_manifest_hash for row in live if row.output_manifest_hash}
    keep_objects = {
        entry["sha256"]
        for row in live if row.upload_manifest and not DeploymentState(row.state).is_final
        for entry in row.upload_manifest["files"].values()
    }
    report = await asyncio.to_thread(  # with AUTOSTACK_STORE=s3, the bucket too
        Store.from_settings(app.settings).gc, keep_manifests, keep_objects,
        app.settings.gc_grace_seconds
    )
    # This node's copy only, as before the bucket was collected: reading through the
    # mirror would pull every live deployment onto the node that runs gc.
    store = Store(app.settings.path("store"))
    credits_removed = await team_files.reconcile(store, app.settings.gc_grace_seconds)
    audit_removed = await audit.prune(app.settings.audit_retention_days)
    return RetentionReport(deployments_removed=removed, store=report,
                           team_files_removed=credits_removed, audit_events_removed=audit_removed,
                           notifications_removed=await inbox.prune_read())
