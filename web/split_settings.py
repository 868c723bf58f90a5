"""Traffic in the dashboard: ``/projects/{name}/split``, linked from the settings page.

The same services as ``/api/v1/projects/{name}/split``, ``/skew-protection``
and ``/rolling-release`` (:mod:`autostack_core.services.splits`,
:mod:`autostack_core.services.skew`,
:mod:`autostack_core.services.rolling_releases`): anyone in the team sees the
split, each variant's requests and errors, the rolling release (stage,
weights, each side's 5xx rate and p95) and the skew protection window; admins
start a split between ready deployments (weights adding up to 100),
re-weight or end it, and change the window; members start, advance or abort
a rolling release, as they promote.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import rolling_releases, skew, splits
from autostack_core.services.rollout_stages import configure
from autostack_web.access import page, project_access
from autostack_web.rendering import form_text, host_of, render

ROWS = 3


async def split_page(request: Request, project: Project, role: Role, status_code: int = 200,
                     **context: Any) -> Response:
    """The split page; ``context`` may add ``error``, ``notice`` and ``values``."""
    ready = await Deployment.filter(project=project, state=DeploymentState.READY,
                                    deleted_at__isnull=True).order_by("-created_at").limit(20)
    app = host_of(request)
    split = await splits.split_json(app, project)
    latest = await rolling_releases.latest(project)
    rollout = None if latest is None else await rolling_releases.rollout_json(app, latest)
    values = {"project": project, "role": role, "split": split, "choices": ready,
              "rollout": rollout,
              "skew": skew.skew_json(project),
              "rows": ROWS, "error": None, "notice": None, "values": {}, **context}
    return await render(request, "split.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await split_page(request, project, role)


async def save(request: Request, user: User) -> Response:
    """Start or re-weight the split (admin): rows of deployment and weight, empty rows skipped."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values = {f"{key}_{row}": form_text(form, f"{key}_{row}")
                  for row in range(ROWS) for key in ("deployment", "weight")}
    variants: list[tuple[str, int]] = []
    try:
        for row in range(ROWS):
            deployment, weight = values[f"deployment_{row}"], values[f"weight_{row}"]
            if not deployment:
                continue
            if not weight.isdigit():
                raise ApiError(422, "weight: enter a whole number of percent", "weight")
            variants.append((deployment, int(weight)))
        await splits.start(host_of(request), user, project, variants, client_ip(request))
    except ApiError as error:
        return await split_page(request, project, role, error.status, error=error,
                                values=values)
    return await split_page(request, project, role, notice="Split test saved and applied.")


async def end(request: Request, user: User) -> Response:
    """End the split (admin): production serves the production deployment again."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    await splits.end(host_of(request), user, project, client_ip(request))
    return await split_page(request, project, role, notice="Split test ended.")


async def save_skew(request: Request, user: User) -> Response:
    """Change the skew protection window (admin), applied to every alias at once."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        seconds = form_text(form, "skew_seconds")
    try:
        if not seconds.isdigit():
            raise ApiError(422, "seconds: enter a whole number of seconds (0: off)", "seconds")
        await skew.change(host_of(request), user, project, int(seconds), client_ip(request))
    except ApiError as error:
        return await split_page(request, project, role, error.status, error=error,
                                values={"skew_seconds": seconds})
    return await split_page(request, project, role, notice="Skew protection saved.")


ROLLOUT_FIELDS = ("rollout_deployment", "rollout_stages", "rollout_minutes",
                  "rollout_max_error_rate", "rollout_max_p95_ms", "rollout_failure_budget")


def rollout_config(values: dict[str, str]) -> dict[str, Any]:
    """The form's stages (percents, each lasting the minutes given, else waiting for
    approval) and thresholds; blank fields are left to the project's defaults."""
    given: dict[str, Any] = {}
    try:
        minutes = float(values["rollout_minutes"]) if values["rollout_minutes"] else None
        if values["rollout_stages"]:
            given["stages"] = [{"percent": int(percent),
                                "seconds": None if minutes is None else minutes * 60}
                               for percent in values["rollout_stages"].split(",")]
        for key, kind in (("max_error_rate", float), ("max_p95_ms", int),
                          ("failure_budget", int)):
            if values[f"rollout_{key}"]:
                given[key] = kind(values[f"rollout_{key}"])
    except ValueError:
        raise ApiError(422, "stages: write percents like 5,25,100 and numbers in the other "
                            "fields", "stages") from None
    return given


async def start_rollout(request: Request, user: User) -> Response:
    """Promote a ready deployment gradually (member, as a promote)."""
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    async with request.form() as form:
        values = {key: form_text(form, key) for key in ROLLOUT_FIELDS}
    try:
        deployment = await Deployment.get_or_none(id=values["rollout_deployment"][:16],
                                                  project=project, deleted_at__isnull=True)
        if deployment is None:
            raise ApiError(422, "deployment: choose a deployment of this project", "deployment")
        stages, thresholds = configure(rollout_config(values),
                                       rolling_releases.defaults_of(project))
        await rolling_releases.start(host_of(request), user, project, deployment, stages,
                                     thresholds, client_ip(request))
    except ApiError as error:
        return await split_page(request, project, role, error.status, error=error,
                                values=values)
    return await split_page(request, project, role, notice="Rolling release started.")


async def advance_rollout(request: Request, user: User) -> Response:
    """Advance (approve) the rolling release's stage now (member)."""
    return await move_rollout(request, user, advance=True)


async def abort_rollout(request: Request, user: User) -> Response:
    """Abort the rolling release (member): production back to the previous deployment."""
    return await move_rollout(request, user, advance=False)


async def move_rollout(request: Request, user: User, advance: bool) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    rollout = await rolling_releases.active(project)
    if rollout is None:
        return await split_page(request, project, role, 409,
                                error=ApiError(409, "No rolling release is under way."))
    app = host_of(request)
    if advance:
        done = await rolling_releases.advance(app, user, rollout, client_ip(request))
    else:
        done = await rolling_releases.abort(app, rollout, "aborted in the dashboard", user,
                                            client_ip(request))
    if not done:
        return await split_page(request, project, role, 409, error=ApiError(
            409, f"The rolling release is {rollout.state.value} now."))
    notice = "Rolling release advanced." if advance else \
        "Rolling release aborted: production serves the previous deployment."
    return await split_page(request, project, role, notice=notice)


routes: list[BaseRoute] = [
    Route("/projects/{name}/split", page(show), methods=["GET"], include_in_schema=False),
    Route("/projects/{name}/split", page(save), methods=["POST"], include_in_schema=False),
    Route("/projects/{name}/split/end", page(end), methods=["POST"], include_in_schema=False),
    Route("/projects/{name}/split/skew", page(save_skew), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/rollout", page(start_rollout), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/rollout/advance", page(advance_rollout), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/rollout/abort", page(abort_rollout), methods=["POST"],
          include_in_schema=False),
]
