"""Plans and a team's usage (``/api/v1/plans``, ``/api/v1/teams/{slug}/plan|usage``).

Anyone signed in lists the plans; only server admins (``AUTOSTACK_ADMINS``)
create, change and delete them and move a team to another plan. A team's
members (viewers and up) read its usage and where it stands against its plan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, read_body, team_for
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import Role, Team
from autostack_core.services import bandwidth_guard, billing, plans, quotas, team_usage
from autostack_core.services.plans import PlanBody, PlanPatch


class TeamPlanBody(BaseModel):
    """The plan a team is on: a plan's slug, or null for the default plan."""

    model_config = ConfigDict(extra="forbid")
    plan: str | None = Field(max_length=32)


def _admin(request: Request) -> None:
    plans.require_server_admin(autostack_of(request).settings, current_user(request))


async def list_plans(request: Request) -> Response:
    """Every plan with its limits (null: unlimited), and whether you may change them.
    ---
    summary: List plans
    tags: [plans]
    responses:
      200: {description: "{plans: [...], server_admin}"}
    """
    user = current_user(request)
    return JSONResponse({
        "plans": [plans.plan_json(plan) for plan in await plans.all_plans()],
        "server_admin": plans.is_server_admin(autostack_of(request).settings, user),
    })


async def create_plan(request: Request) -> Response:
    """Create a plan (server admins).
    ---
    summary: Create a plan
    tags: [plans]
    body: PlanBody
    responses:
      201: {description: "{plan}"}
      403: {description: Not a server admin}
      409: {description: The slug is taken}
    """
    _admin(request)
    body = await read_body(request, PlanBody)
    plan = await plans.create(current_user(request), body)
    return JSONResponse({"plan": plans.plan_json(plan)}, status_code=201)


async def update_plan(request: Request) -> Response:
    """Change a plan's name, limits, bandwidth policy or default flag (server admins).
    ---
    summary: Update a plan
    tags: [plans]
    body: PlanPatch
    parameters: [{name: plan, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{plan}"}
      403: {description: Not a server admin}
      404: {description: No such plan}
    """
    _admin(request)
    body = await read_body(request, PlanPatch)
    plan = await plans.find(request.path_params["plan"])
    concerned = await bandwidth_guard.teams_on(plan)
    plan = await plans.update(current_user(request), plan, body)
    concerned += await bandwidth_guard.teams_on(plan)
    await bandwidth_guard.guard(autostack_of(request), concerned)
    return JSONResponse({"plan": plans.plan_json(plan)})


async def delete_plan(request: Request) -> Response:
    """Delete a plan no team is on (server admins).
    ---
    summary: Delete a plan
    tags: [plans]
    parameters: [{name: plan, in: path, required: true, schema: {type: string}}]
    responses:
      204: {description: Deleted}
      403: {description: Not a server admin}
      409: {description: Teams are on it}
    """
    _admin(request)
    plan = await plans.find(request.path_params["plan"])
    await plans.delete(current_user(request), plan)
    return Response(status_code=204)


async def set_team_plan(request: Request) -> Response:
    """Put a team on a plan, or back on the default plan with null (server admins).
    ---
    summary: Set a team's plan
    tags: [plans]
    body: TeamPlanBody
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{team, plan}"}
      403: {description: Not a server admin}
      404: {description: No such team or plan}
    """
    _admin(request)
    body = await read_body(request, TeamPlanBody)
    team = await Team.get_or_none(slug=request.path_params["slug"]) \
        if len(request.path_params["slug"]) <= 48 else None
    if team is None:
        raise NotFound("team", "slug")
    plan = await plans.find(body.plan) if body.plan is not None else None
    await plans.assign(current_user(request), team, plan)
    await bandwidth_guard.guard(autostack_of(request), [team])
    applied = await plans.plan_of(team)
    return JSONResponse({"team": team.slug,
                         "plan": plans.plan_json(applied) if applied else None,
                         "assigned": plan.slug if plan else None})


async def team_usage_view(request: Request) -> Response:
    """A team's plan, each limit against what the team uses now, the month's usage per
    project and day (build minutes, bandwidth, requests, CPU seconds; storage now), and the
    totals of the twelve months up to it.
    ---
    summary: A team's usage
    tags: [plans]
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
      - {name: month, in: query, required: false, schema: {type: string}, description: YYYY-MM}
    responses:
      200: {description: "{team, plan, limits, usage, months}"}
      404: {description: No such team of yours}
    """
    team, _ = await team_for(request, Role.VIEWER)
    month = team_usage.parse_month(request.query_params.get("month"))
    return JSONResponse({"team": team.slug, **await quotas.standing(team.id),
                         "usage": await team_usage.month_usage(team.id, month),
                         "months": await team_usage.months_usage(team.id, month)})


async def run_billing(request: Request) -> Response:
    """Hand every team's usage of a month that is over to the ``billing`` hook (server admins).
    ---
    summary: Run billing for a month
    tags: [plans]
    parameters:
      - {name: month, in: query, required: false, schema: {type: string},
         description: "YYYY-MM (default: last month)"}
    responses:
      200: {description: "{month, teams: [{team, plan, total, error}]}"}
      403: {description: Not a server admin}
      409: {description: The month is not over}
    """
    _admin(request)
    text = request.query_params.get("month")
    month = team_usage.parse_month(text) if text else \
        team_usage.month_start(team_usage.month_start(datetime.now(UTC).date()) - timedelta(days=1))
    teams = await billing.run(autostack_of(request), month)
    return JSONResponse({"month": f"{month:%Y-%m}", "teams": teams})


routes: list[BaseRoute] = [
    Route("/api/v1/plans", list_plans, methods=["GET"]),
    Route("/api/v1/plans", create_plan, methods=["POST"]),
    Route("/api/v1/plans/{plan}", update_plan, methods=["PATCH"]),
    Route("/api/v1/plans/{plan}", delete_plan, methods=["DELETE"]),
    Route("/api/v1/teams/{slug}/plan", set_team_plan, methods=["PUT"]),
    Route("/api/v1/teams/{slug}/usage", team_usage_view, methods=["GET"]),
    Route("/api/v1/billing/run", run_billing, methods=["POST"]),
]
