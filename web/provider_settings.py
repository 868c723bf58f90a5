"""Runtime providers on the team page: a team's values for each runtime's fields.

The same service as ``/api/v1/teams/{slug}/providers``
(:mod:`autostack_core.services.provider_settings`): members see which fields
are set (and the values of those that are not secret), admins save and
forget them. A secret is written, never shown again, not even in a form sent
back with an error; a blank secret keeps the stored one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, User
from autostack_core.services import provider_settings
from autostack_web.access import page, team_access
from autostack_web.rendering import form_text, host_of, redirect
from autostack_web.teams import team_page


async def save(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    name = request.path_params["provider"]
    runtime = provider_settings.configurable(host_of(request)).get(name)
    async with request.form() as form:
        entered = {
            field.name: form_text(form, field.name)
            for field in (runtime.config_fields if runtime else ())
        }
    try:
        saved = await provider_settings.save(host_of(request), team, name, entered)
    except ApiError as error:
        secret = (
            {field.name for field in runtime.config_fields if field.secret} if runtime else set()
        )
        kept = {key: value for key, value in entered.items() if key not in secret}
        return await team_page(
            request,
            team,
            role,
            error.status,
            provider_error=error,
            provider_name=name,
            provider_values=kept,
        )
    notice = (
        f"{name} settings saved: the team's next deployments on {name} use them."
        if saved
        else f"{name} settings cleared: the team's projects use the server's own."
    )
    return await team_page(request, team, role, notice=notice)


async def forget(request: Request, user: User) -> Response:
    team, _ = await team_access(user, request.path_params["slug"], Role.ADMIN)
    row = await provider_settings.find(team, request.path_params["provider"])
    if row is not None:
        await provider_settings.delete(team, row)
    return redirect(f"/teams/{team.slug}#providers")


_PROVIDER = "/teams/{slug}/providers/{provider}"

routes: list[BaseRoute] = [
    Route(_PROVIDER, page(save), methods=["POST"], include_in_schema=False),
    Route(f"{_PROVIDER}/delete", page(forget), methods=["POST"], include_in_schema=False),
]
