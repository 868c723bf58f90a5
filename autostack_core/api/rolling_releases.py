"""Rolling releases: start one from a deployment (``/deployments/{id}/rolling-release``),
see, advance (approve) or abort a project's (``/projects/{name}/rolling-release``), and set
the project's default stages and thresholds (``.../rolling-release/defaults``).

Viewers see; members start, advance and abort, as they promote and roll back;
admins change the defaults.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import deployment_for
from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.services import rolling_releases
from autostack_core.services.rollout_stages import configure


class StageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percent: int = Field(description="the new deployment's share of production, 1 to 99")
    seconds: float | None = Field(None, description="how long the stage lasts; null: it "
                                                    "waits for approval")


class RolloutConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stages: list[StageBody] | None = Field(None, description="rising percents; 100 is the end")
    max_error_rate: float | None = Field(None, description="abort above this 5xx percent")
    max_p95_ms: int | None = Field(None, description="abort above this p95 (ms)")
    failure_budget: int | None = Field(None, description="abort at this many 5xx answers")


class AbortBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("aborted by hand", max_length=500)


async def start(request: Request) -> Response:
    """Promote this deployment gradually: stage by stage, checked, aborted on a breach.
    ---
    summary: Start a rolling release
    tags: [deployments]
    body: RolloutConfig
    responses:
      200: {description: "{rolling_release}"}
      409: {description: not ready, already production, no production, or one under way}
      422: {description: bad stages or thresholds}
    """
    deployment, project = await deployment_for(request, request.path_params["id"], Role.MEMBER)
    body = await read_body(request, RolloutConfig)
    stages, thresholds = configure(body.model_dump(exclude_none=True),
                                   rolling_releases.defaults_of(project))
    app = request.app.state.autostack
    rollout = await rolling_releases.start(app, current_user(request), project, deployment,
                                           stages, thresholds, client_ip(request))
    return JSONResponse({"rolling_release": await rolling_releases.rollout_json(app, rollout)})


async def status(request: Request) -> Response:
    """The project's newest rolling release, with both sides' answers in the current stage.
    ---
    summary: Get a project's rolling release
    tags: [projects]
    responses:
      200: {description: "{rolling_release: ... or null, defaults}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    rollout = await rolling_releases.latest(project)
    shown = None if rollout is None else \
        await rolling_releases.rollout_json(request.app.state.autostack, rollout)
    return JSONResponse({"rolling_release": shown,
                         "defaults": rolling_releases.defaults_of(project)})


async def advance(request: Request) -> Response:
    """Move the rolling release to its next stage now (approving one that waits).
    ---
    summary: Advance a rolling release
    tags: [projects]
    responses:
      200: {description: "{rolling_release}"}
      409: {description: no rolling release under way, or it moved meanwhile}
    """
    return await _act(request, advance=True)


async def abort(request: Request) -> Response:
    """Abort the rolling release: all production traffic back to the previous deployment.
    ---
    summary: Abort a rolling release
    tags: [projects]
    body: AbortBody
    responses:
      200: {description: "{rolling_release}"}
      409: {description: no rolling release under way, or it moved meanwhile}
    """
    return await _act(request, advance=False)


async def _act(request: Request, advance: bool) -> Response:
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    reason = "" if advance else (await read_body(request, AbortBody)).reason
    app = request.app.state.autostack
    rollout = await rolling_releases.active(project)
    if rollout is None:
        raise ApiError(409, "rolling_release: none is under way", "rolling_release")
    user, ip = current_user(request), client_ip(request)
    done = await rolling_releases.advance(app, user, rollout, ip) if advance else \
        await rolling_releases.abort(app, rollout, reason, user, ip)
    if not done:
        raise ApiError(409, f"rolling_release: it is {rollout.state.value} now", "rolling_release")
    return JSONResponse({"rolling_release": await rolling_releases.rollout_json(app, rollout)})


async def set_defaults(request: Request) -> Response:
    """Set the stages and thresholds a rolling release of this project uses unless its start
    says otherwise (admin); checked, then saved.
    ---
    summary: Set a project's rolling release defaults
    tags: [projects]
    body: RolloutConfig
    responses:
      200: {description: "{defaults}"}
      422: {description: bad stages or thresholds}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, RolloutConfig)
    defaults = body.model_dump(exclude_none=True)
    configure(defaults, {})
    project.settings = {**(project.settings or {}), rolling_releases.DEFAULTS_SETTING: defaults}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.rollout_defaults_changed", user=current_user(request),
                         team=await project.team, target=("project", str(project.id)),
                         ip=client_ip(request), defaults=defaults)
    return JSONResponse({"defaults": defaults})


routes: list[BaseRoute] = [
    Route("/api/v1/deployments/{id}/rolling-release", start, methods=["POST"]),
    Route("/api/v1/projects/{name}/rolling-release", status, methods=["GET"]),
    Route("/api/v1/projects/{name}/rolling-release/advance", advance, methods=["POST"]),
    Route("/api/v1/projects/{name}/rolling-release/abort", abort, methods=["POST"]),
    Route("/api/v1/projects/{name}/rolling-release/defaults", set_defaults, methods=["PUT"]),
]
