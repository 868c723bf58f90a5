"""The team's single sign-on page (``/teams/{slug}/sso``): admins see it, owners change it.

The form mirrors ``PUT /api/v1/teams/{slug}/sso`` (the same service,
:mod:`autostack_core.services.team_sso`): the issuer, the client id and secret
(left empty, the stored secret stays), the claim whose values map to roles (one
``value = role`` a line), the role for people no value maps (or refuse them),
allowed e-mail domains and whether members must sign in through it.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, Team, User
from autostack_core.infrastructure.models.sso import TeamSso
from autostack_core.services import team_sso
from autostack_web.access import page, team_access
from autostack_web.rendering import form_text, host_of, redirect, render, server_url

ROLES = [role.value for role in Role]
FIELDS = ("issuer", "client_id", "role_claim", "role_map", "default_role", "allowed_domains")


def _values(config: TeamSso | None) -> dict[str, Any]:
    if config is None:
        return {"role_claim": "groups", "default_role": "member", "role_map": "",
                "allowed_domains": "", "enforced": False}
    return {"issuer": config.issuer, "client_id": config.client_id,
            "role_claim": config.role_claim,
            "role_map": "\n".join(f"{key} = {value}" for key, value in config.role_map.items()),
            "default_role": str(config.default_role or ""),
            "allowed_domains": ", ".join(config.allowed_domains), "enforced": config.enforced}


def _role_map(text: str) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        value, sep, role = line.rpartition("=")
        if not sep or not value.strip():
            raise ApiError(422, f"line {number}: write a claim value, '=', then a role",
                           "role_map")
        mapped[value.strip()] = role.strip()
    return mapped


async def _page(request: Request, team: Team, role: Role, status_code: int = 200,
                **context: Any) -> Response:
    config = await TeamSso.get_or_none(team=team)
    values = {"team": team, "role": role, "owner": role == Role.OWNER, "config": config,
              "values": _values(config), "roles": ROLES, "error": None, "notice": None,
              "callback_url": f"{server_url(request)}/auth/sso/{team.slug}/callback",
              "login_url": f"{server_url(request)}{team_sso.login_path(team.slug)}", **context}
    return await render(request, "team_sso.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    return await _page(request, team, role)


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: form_text(form, name) for name in FIELDS}
    values["role_map"] = str(form.get("role_map") or "")
    values["enforced"] = form.get("enforced") == "on"
    return values


async def save(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.OWNER)
    async with request.form() as form:
        values = _form_values(form)
        secret = form_text(form, "client_secret")
    try:
        if values["default_role"] not in ("", *ROLES):
            raise ApiError(422, f"choose one of {', '.join(ROLES)}, or refuse", "default_role")
        await team_sso.check_issuer(host_of(request).settings, values["issuer"])
        await team_sso.configure(
            team, issuer=values["issuer"], client_id=values["client_id"],
            client_secret=secret or None, role_claim=values["role_claim"],
            role_map=_role_map(values["role_map"]),
            default_role=Role(values["default_role"]) if values["default_role"] else None,
            allowed_domains=values["allowed_domains"].split(","),
            enforced=values["enforced"])
    except ApiError as error:
        return await _page(request, team, role, error.status, error=error, values=values)
    return redirect(f"/teams/{team.slug}/sso")


async def remove(request: Request, user: User) -> Response:
    team, _ = await team_access(user, request.path_params["slug"], Role.OWNER)
    await team_sso.remove(team)
    return redirect(f"/teams/{team.slug}/sso")


_PATH = "/teams/{slug}/sso"
routes: list[BaseRoute] = [
    Route(_PATH, page(show), methods=["GET"], include_in_schema=False),
    Route(_PATH, page(save), methods=["POST"], include_in_schema=False),
    Route(f"{_PATH}/remove", page(remove), methods=["POST"], include_in_schema=False),
]
