"""The team Usage page (``/teams/{slug}/usage``) and the admins' plans page (``/admin/plans``).

Every member sees the team's plan, each limit against what the team uses now
and the month's usage per project and day (the API's
``/api/v1/teams/{slug}/usage``, from the same services). Server admins
(``AUTOSTACK_ADMINS``) also get a form there to move the team to another plan,
and ``/admin/plans`` to create and edit plans; anyone else gets a 403 page.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, from_validation_error
from autostack_core.infrastructure.models import Role, Team, User
from autostack_core.services import bandwidth_guard, plans, quotas, team_usage
from autostack_web.access import page, team_access
from autostack_web.rendering import form_text, host_of, redirect, render

FIELDS = ("name", *plans.LIMITS, "over_bandwidth", *plans.RATES)


async def usage(request: Request, user: User, error: ApiError | None = None) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.VIEWER)
    month = team_usage.parse_month(request.query_params.get("month"))
    admin = plans.is_server_admin(host_of(request).settings, user)
    return await render(request, "team_usage.html", {
        "team": team, "role": role, **await quotas.standing(team.id),
        "usage": await team_usage.month_usage(team.id, month),
        "months": await team_usage.months_usage(team.id, month),
        "server_admin": admin, "plans": await plans.all_plans() if admin else [],
        "error": error}, status_code=error.status if error else 200)


async def set_plan(request: Request, user: User) -> Response:
    plans.require_server_admin(host_of(request).settings, user)
    team = await Team.get_or_none(slug=request.path_params["slug"])
    if team is None:
        raise ApiError(404, "team not found")
    async with request.form() as form:
        chosen = form_text(form, "plan")
    try:
        await plans.assign(user, team, await plans.find(chosen) if chosen else None)
    except ApiError as error:
        return await usage(request, user, error)
    await bandwidth_guard.guard(host_of(request), [team])
    return redirect(f"/teams/{team.slug}/usage")


def _validated(model: type[BaseModel], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise from_validation_error(error) from error


def _form_values(form: Any, with_slug: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"name": form_text(form, "name"),
                              "over_bandwidth": form_text(form, "over_bandwidth") or "block",
                              "is_default": form_text(form, "is_default") == "on"}
    if with_slug:
        values["slug"] = form_text(form, "slug")
    for limit in plans.LIMITS:
        values[limit] = plans.parse_limit(limit, form_text(form, limit))
    for rate in plans.RATES:  # empty: the default throttle, or the server's limits
        values[rate] = form_text(form, rate) or ("5/10" if rate == "throttle_rate" else None)
    return values


async def admin_page(request: Request, user: User, error: ApiError | None = None,
                     editing: str | None = None, values: dict[str, Any] | None = None
                     ) -> Response:
    plans.require_server_admin(host_of(request).settings, user)
    if values is None:
        editing = request.query_params.get("edit") or None
        values = plans.plan_json(await plans.find(editing)) if editing else {}
    return await render(request, "admin_plans.html", {
        "plans": [plans.plan_json(plan) for plan in await plans.all_plans()],
        "limits": plans.LIMITS, "byte_limits": plans.BYTE_LIMITS, "error": error,
        "form_fields": ["slug", *FIELDS],
        "editing": editing, "values": values},
        status_code=error.status if error else 200)


async def create_plan(request: Request, user: User) -> Response:
    plans.require_server_admin(host_of(request).settings, user)
    async with request.form() as form:
        raw = {name: form_text(form, name) for name in ("slug", *FIELDS)}
        try:
            body = _validated(plans.PlanBody, _form_values(form, True))
            await plans.create(user, body)
        except ApiError as error:
            return await admin_page(request, user, error, None, raw)
    return redirect("/admin/plans")


async def edit_plan(request: Request, user: User) -> Response:
    plans.require_server_admin(host_of(request).settings, user)
    plan = await plans.find(request.path_params["plan"])
    async with request.form() as form:
        raw = {name: form_text(form, name) for name in FIELDS}
        try:
            body = _validated(plans.PlanPatch, _form_values(form, False))
            concerned = await bandwidth_guard.teams_on(plan)
            await plans.update(user, plan, body)
        except ApiError as error:
            return await admin_page(request, user, error, plan.slug, raw)
    await bandwidth_guard.guard(host_of(request), concerned + await bandwidth_guard.teams_on(plan))
    return redirect("/admin/plans")


routes: list[BaseRoute] = [
    Route("/teams/{slug}/usage", page(usage), methods=["GET"], include_in_schema=False),
    Route("/teams/{slug}/plan", page(set_plan), methods=["POST"], include_in_schema=False),
    Route("/admin/plans", page(admin_page), methods=["GET"], include_in_schema=False),
    Route("/admin/plans", page(create_plan), methods=["POST"], include_in_schema=False),
    Route("/admin/plans/{plan}", page(edit_plan), methods=["POST"], include_in_schema=False),
]
