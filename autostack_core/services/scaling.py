"""A project's scale policy and what running it costs, as its runtime says.

The policy lives in the project's settings (``scale_to_zero``, ``replicas``;
:func:`autostack_core.services.releases.policy_for` reads it); a change is saved,
audited, then applied to every ready deployment through ``runtime.scale``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, User
from autostack_core.security import accounts
from autostack_core.services import deployments, releases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


def scale_json(project: Project) -> dict[str, Any]:
    policy = releases.policy_for(project)
    return {"scale_to_zero": policy.scale_to_zero, "replicas": policy.max_replicas,
            "min_replicas": policy.min_replicas, "max_replicas": policy.max_replicas}


async def change_scale(app: AutoStack, user: User, project: Project,
                       changes: dict[str, Any], ip: str) -> int:
    """Save ``changes`` (``scale_to_zero``, ``replicas``), audited, and apply the new policy
    to the project's ready deployments (admin role, checked by the caller); how many."""
    if not changes:
        return 0
    releases.runtime_for(app, project)  # installed, before anything is saved
    project.settings = {**(project.settings or {}), **changes}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.updated", user=user, team=await project.team,
                         target=("project", str(project.id)), ip=ip, fields=sorted(changes))
    return await releases.scale(app, project)


async def cost_target(app: AutoStack, project: Project) -> Deployment | None:
    """The deployment a project's cost is estimated for: production, else the newest ready."""
    production = await deployments.production_deployment(app, project)
    if production is not None:
        return production
    return await Deployment.filter(project=project, state=DeploymentState.READY,
                                   deleted_at__isnull=True).order_by("-created_at").first()


async def cost_json(app: AutoStack, project: Project) -> dict[str, Any] | None:
    """The runtime's estimate for running the project (``None`` before anything is ready)."""
    deployment = await cost_target(app, project)
    if deployment is None:
        return None
    estimate = await releases.cost(app, project, deployment)
    return {"runtime": project.provider, "deployment": deployment.id,
            "currency": estimate.currency, "hourly": estimate.hourly,
            "monthly": estimate.monthly}
