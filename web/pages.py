"""The public pages: landing, sign-up, log-in, log-out."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import User
from autostack_core.security import accounts
from autostack_core.security.auth import clear_session_cookie, client_ip, set_session_cookie
from autostack_web.rendering import (
    anonymous_form_ok,
    form_text,
    host_of,
    redirect,
    render,
    retry_after,
    safe_next,
    signed_in_user,
)

EXPIRED = "This form expired. Reload the page and submit it again."


async def landing(request: Request) -> Response:
    """The home page; a signed-in user's home is their dashboard."""
    if signed_in_user(request) is not None:
        return redirect("/dashboard")
    return await render(request, "landing.html")


async def start_session(request: Request, user: User, next_url: str) -> Response:
    """Sign ``user`` in with a new session cookie and go to ``next_url``."""
    _, key = await accounts.create_session(
        user, request.headers.get("user-agent", ""), client_ip(request)
    )
    response = redirect(next_url)
    set_session_cookie(response, host_of(request), key)
    return response


def password_of(form: FormData) -> str:
    """The password as typed (never stripped)."""
    value = form.get("password")
    return value if isinstance(value, str) else ""


async def signup(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if signed_in_user(request) is not None:
        return redirect(next_url)
    context: dict[str, Any] = {"next": next_url, "values": {}, "error": None}
    if request.method == "GET":
        return await render(request, "signup.html", context)
    async with request.form() as form:
        values = {"email": form_text(form, "email"), "name": form_text(form, "name")}
        context["values"] = values
        if not anonymous_form_ok(request, form):
            context["error"] = ApiError(403, EXPIRED, "csrf_token")
            return await render(request, "signup.html", context, status_code=403)
        try:
            user = await accounts.sign_up(values["email"], password_of(form), values["name"],
                                          client_ip(request))
        except ApiError as error:
            context["error"] = error
            return await render(request, "signup.html", context, status_code=error.status,
                                headers=retry_after(error))
    return await start_session(request, user, next_url)


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if signed_in_user(request) is not None:
        return redirect(next_url)
    context: dict[str, Any] = {"next": next_url, "values": {}, "error": None}
    if request.method == "GET":
        return await render(request, "login.html", context)
    async with request.form() as form:
        context["values"] = {"email": form_text(form, "email")}
        if not anonymous_form_ok(request, form):
            context["error"] = ApiError(403, EXPIRED, "csrf_token")
            return await render(request, "login.html", context, status_code=403)
        try:
            user = await accounts.login(form_text(form, "email"), password_of(form),
                                        client_ip(request))
        except ApiError as error:
            context["error"] = error
            return await render(request, "login.html", context, status_code=error.status,
                                headers=retry_after(error))
    return await start_session(request, user, next_url)


async def logout(request: Request) -> Response:
    """End the session (the middleware has checked the CSRF token)."""
    session = request.state.session
    if session is not None:
        await session.delete()
        await accounts.audit("auth.logout", user=signed_in_user(request), ip=client_ip(request))
    response = redirect("/")
    clear_session_cookie(response, host_of(request).settings)
    return response


routes: list[BaseRoute] = [
    Route("/", landing, methods=["GET"], include_in_schema=False),
    Route("/signup", signup, methods=["GET", "POST"], include_in_schema=False),
    Route("/login", login, methods=["GET", "POST"], include_in_schema=False),
    Route("/logout", logout, methods=["POST"], include_in_schema=False),
]
