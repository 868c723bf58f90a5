"""A project's pipeline in its settings, edited step by step, and approvals before production.

The definition lives in ``Project.settings["pipeline"]`` (validated by
:mod:`autostack_core.build.pipeline_config`); a repository's ``autostack.json``
``pipeline`` wins over it at build time, which the project page says. The dashboard's
editor and the API both go through :func:`save`, so a bad list is refused whole, naming
the field, and nothing is half-written.

A production deployment whose pipeline holds an ``approval`` step ends ready but is not
promoted: its ``approval`` step waits until a member calls :func:`approve`, which records
who approved (persisted, audited) and then promotes it. A deployment whose step failed
never gets there: it ended in error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.build import pipeline_config
from autostack_core.build.pipeline_config import PipelineError, Step
from autostack_core.build.pipeline_steps import APPROVED, WAITING
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Environment,
    Project,
    User,
)
from autostack_core.services import audit, deployments

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


def steps_of(project: Project) -> tuple[list[Step], str]:
    """The project's steps from its settings, and where they come from (settings or defaults)."""
    return pipeline_config.resolve(None, project.settings.get("pipeline"))


def invalid(error: PipelineError) -> ApiError:
    return ApiError(422, str(error), field=error.field)


async def save(project: Project, raw: Any, user: User | None = None,
               address: str | None = None, root: str = "pipeline") -> list[Step]:
    """Validate ``raw`` and store it as the project's pipeline (422 naming the field, as
    ``root[index].field``)."""
    try:
        steps = pipeline_config.validate(raw, root)
    except PipelineError as error:
        raise invalid(error) from error
    before = project.settings.get("pipeline")
    project.settings = {**project.settings, "pipeline": pipeline_config.as_raw(steps)}
    await project.save(update_fields=["settings", "updated_at"])
    await audit.record("project.pipeline_changed", team=project.team_id,  # type: ignore[attr-defined]
                       target=("project", project.name), project=project.name, actor=user,
                       address=address, before={"pipeline": before},
                       after={"pipeline": project.settings["pipeline"]})
    return steps


def _index(steps: list[Step], step_id: str) -> int:
    index = next((i for i, step in enumerate(steps) if step.id == step_id), None)
    if index is None:
        raise ApiError(404, f"no step `{step_id}` in the pipeline", field="step")
    return index


def added(steps: list[Step], kind: str, name: str, command: str) -> list[dict[str, Any]]:
    """``steps`` with a new test, lint or check step after build (before any approval)."""
    raw = pipeline_config.as_raw(steps)
    taken = {step.id for step in steps}
    number = next(n for n in range(1, len(steps) + 2) if f"{kind}-{n}" not in taken)
    position = next(i for i, step in enumerate(steps) if step.kind in ("approval", "deploy"))
    raw.insert(position, {"id": f"{kind}-{number}", "kind": kind,
                          "name": name.strip() or pipeline_config.LABELS.get(kind, kind),
                          "command": command})
    return raw


def moved(steps: list[Step], step_id: str, offset: int) -> list[dict[str, Any]]:
    """``steps`` with ``step_id`` moved up (-1) or down (+1); install and build move together."""
    raw = pipeline_config.as_raw(steps)
    index = _index(steps, step_id)
    size = 2 if steps[index].kind in ("install", "build") else 1
    start = index - 1 if steps[index].kind == "build" else index
    block = raw[start:start + size]
    del raw[start:start + size]
    where = start - 1 if offset < 0 else start + 1
    if not 0 <= where <= len(raw):
        raise ApiError(409, "the step cannot move further", field="step")
    if 0 < where < len(raw) and raw[where - 1]["kind"] == "install":
        where += -1 if offset < 0 else 1  # never between install and build
    raw[where:where] = block
    return raw


def removed(steps: list[Step], step_id: str) -> list[dict[str, Any]]:
    raw = pipeline_config.as_raw(steps)
    del raw[_index(steps, step_id)]
    return raw


def with_approval(steps: list[Step], required: bool) -> list[dict[str, Any]]:
    """``steps`` with an approval right before deploy, or without any."""
    raw = [item for item in pipeline_config.as_raw(steps) if item["kind"] != "approval"]
    if required:
        raw.insert(len(raw) - 1, {"id": "approval", "kind": "approval",
                                  "name": pipeline_config.LABELS["approval"]})
    return raw


def waiting_for_approval(deployment: Deployment) -> bool:
    steps = (deployment.pipeline or {}).get("steps") or []
    return any(step["kind"] == "approval" and step.get("status") == WAITING for step in steps)


async def approve(app: AutoStack, user: User, project: Project, deployment: Deployment,
                  address: str | None = None) -> None:
    """Record ``user``'s approval of ``deployment``, then promote it to production.

    409 unless it is a ready production deployment waiting for approval.
    """
    if (deployment.state != DeploymentState.READY or deployment.deleted_at is not None
            or deployment.target != Environment.PRODUCTION
            or not waiting_for_approval(deployment)):
        raise ApiError(409, "the deployment is not a ready production deployment waiting "
                            "for approval", field="id")
    record = dict(deployment.pipeline or {})
    record["steps"] = [{**step, "status": APPROVED} if step["kind"] == "approval" else step
                       for step in record["steps"]]
    record["approval"] = {"by": user.email, "at": datetime.now(UTC).isoformat()}
    await Deployment.filter(id=deployment.id).update(pipeline=record)
    deployment.pipeline = record
    await audit.record("deployment.approved", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       actor=user, address=address)
    await deployments.promote(app, project, deployment)


async def promote(app: AutoStack, user: User, project: Project, deployment: Deployment,
                  address: str | None = None) -> None:
    """Promote ``deployment`` by hand; one waiting for approval is approved by ``user``."""
    if waiting_for_approval(deployment):
        await approve(app, user, project, deployment, address)
    else:
        await deployments.promote(app, project, deployment)
