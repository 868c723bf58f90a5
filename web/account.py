"""The account page: profile, e-mail address and password, API tokens (a new one is shown
once), browser sessions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import ApiToken, User, UserSession
from autostack_core.security import accounts
from autostack_core.security.auth import clear_session_cookie, client_ip
from autostack_web.access import page, path_id
from autostack_web.rendering import (
    form_text,
    host_of,
    login_redirect,
    redirect,
    render,
    retry_after,
    signed_in_user,
)


async def account_page(
    request: Request, user: User, status_code: int = 200,
    headers: dict[str, str] | None = None, **context: Any
) -> Response:
    tokens = await ApiToken.filter(user=user).order_by("-created_at")
    sessions = await UserSession.filter(user=user, expires_at__gt=accounts.now()) \
        .order_by("-last_seen_at")
    current = request.state.session
    values = {"tokens": tokens, "sessions": sessions, "current_session_id": current.id,
              "error": None, "new_token": None, "notice": None, "email": user.email, **context}
    return await render(request, "account.html", values, status_code=status_code,
                        headers=headers)


async def account(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None or request.state.session is None:
        return login_redirect(request)
    return await account_page(request, user)


async def update_profile(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    async with request.form() as form:
        name = form_text(form, "name")
    if not name or len(name) > 120:
        error = ApiError(422, "name: enter 1 to 120 characters", "name")
        return await account_page(request, user, status_code=422, error=error)
    user.name = name
    await user.save(update_fields=["name"])
    return await account_page(request, user, notice="Profile saved.")


def password_field(form: Any, name: str) -> str:
    """A password as typed (never stripped)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def update_email(request: Request) -> Response:
    """Sign in with another e-mail address from now on (the current password confirms it)."""
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    async with request.form() as form:
        email, current = form_text(form, "email"), password_field(form, "password_for_email")
    try:
        await accounts.change_email(user, current, email, client_ip(request))
    except ApiError as error:
        if error.field == "current_password":  # this form's own password field
            error = ApiError(error.status, error.message, "password_for_email")
        return await account_page(request, user, status_code=error.status,
                                  headers=retry_after(error), error=error, email=email)
    return await account_page(request, user, notice=f"Email changed: you sign in as {user.email}.")


async def update_password(request: Request) -> Response:
    """A new password; the user's other browser sessions end (this one stays)."""
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    async with request.form() as form:
        current = password_field(form, "current_password")
        new = password_field(form, "new_password")
    session = request.state.session
    try:
        await accounts.change_password(user, current, new, session.id if session else None,
                                       client_ip(request))
    except ApiError as error:
        if error.field == "password":
            error = ApiError(error.status, f"new {error.message}", "new_password")
        return await account_page(request, user, status_code=error.status,
                                  headers=retry_after(error), error=error)
    return await account_page(
        request, user, notice="Password changed; your other browser sessions were signed out.")


async def create_token(request: Request) -> Response:
    """Create a token and show it once, on this very response (never in a URL)."""
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    async with request.form() as form:
        name = form_text(form, "token_name")
    if not name or len(name) > 120:
        error = ApiError(422, "token name: enter 1 to 120 characters, like 'laptop CLI'",
                         "token_name")
        return await account_page(request, user, status_code=422, error=error)
    try:
        token, raw = await accounts.create_api_token(user, name)
    except ApiError as error:
        return await account_page(request, user, status_code=error.status,
                                  headers=retry_after(error), error=error)
    await accounts.audit("token.created", user=user, target=("api_token", str(token.id)),
                         ip=client_ip(request), name=name)
    return await account_page(request, user, status_code=201, new_token=raw)


async def revoke_token(request: Request, user: User) -> Response:
    token = await ApiToken.get_or_none(id=path_id(request, "token"), user=user)
    if token is not None:
        await token.delete()
        await accounts.audit("token.revoked", user=user, target=("api_token", str(token.id)),
                             ip=client_ip(request), name=token.name)
    return redirect("/account")


async def revoke_session(request: Request, user: User) -> Response:
    session = await UserSession.get_or_none(id=path_id(request, "session"), user=user)
    if session is None:
        return redirect("/account")
    await session.delete()
    await accounts.audit("session.revoked", user=user, target=("session", str(session.id)),
                         ip=client_ip(request))
    if request.state.session is not None and session.id == request.state.session.id:
        response = redirect("/login")
        clear_session_cookie(response, host_of(request).settings)
        return response
    return redirect("/account")


routes: list[BaseRoute] = [
    Route("/account", account, methods=["GET"], include_in_schema=False),
    Route("/account/profile", update_profile, methods=["POST"], include_in_schema=False),
    Route("/account/email", update_email, methods=["POST"], include_in_schema=False),
    Route("/account/password", update_password, methods=["POST"], include_in_schema=False),
    Route("/account/tokens", create_token, methods=["POST"], include_in_schema=False),
    Route("/account/tokens/{id:int}/revoke", page(revoke_token), methods=["POST"],
          include_in_schema=False),
    Route("/account/sessions/{id:int}/revoke", page(revoke_session), methods=["POST"],
          include_in_schema=False),
]
