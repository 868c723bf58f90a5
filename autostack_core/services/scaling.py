"""A project's scale policy and what running it costs, as its runtime says.

The policy lives in the project's settings (``scale_to_zero``, ``replicas``;
:func:`autostack_core.services.releases.policy_for` reads it); a change is checked
here (for the API and the dashboard alike), saved, audited, then applied to every
ready deployment through ``runtime.scale``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, User
from autostack_core.security import accounts
from autostack_core.services import deployments, releases
from autostack_core.services.releases import MAX_REPLICAS

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


def scale_json(project: Project) -> dict[str, Any]:
    policy = releases.policy_for(project)
    return {"scale_to_zero": policy.scale_to_zero, "replicas": policy.max_replicas,
            "min_replicas": policy.min_replicas, "max_replicas": policy.max_replicas}


def checked_replicas(value: object) -> int:
    """``value`` (a JSON number, or a form's text) as a replica count, 1 to MAX_REPLICAS;
    else a 422 naming the field."""
    count = None
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            count = int(value)
        except ValueError:
            count = None
    if count is None or not 1 <= count <= MAX_REPLICAS:
        raise ApiError(422, f"replicas: enter a whole number from 1 to {MAX_REPLICAS}",
                       "replicas")
    return count


async def change_scale(app: AutoStack, user: User, project: Project,
                       changes: dict[str, Any], ip: str) -> int:
    """Check and save ``changes`` (``scale_to_zero``, ``replicas``), audited, and apply the
    new policy to the project's ready deployments (admin role, checked by the caller);
    how many."""
    if "replicas" in changes:
        changes = {**changes, "replicas": checked_replicas(changes["replicas"])}
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
