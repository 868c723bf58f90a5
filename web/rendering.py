"""Rendering dashboard pages: templates, their shared variables, and form security.

Every page gets ``user``, ``csrf_token`` and what the ``extra_template_vars``
hooks return. Signed-in forms carry the session's CSRF token, which the core's
auth middleware checks. Forms shown before sign-in (sign-up, log-in) use a
double-submit token: a random value in a SameSite=Lax cookie that the form
must repeat, so another site cannot post them.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from autostack_core.errors import ApiError, Throttled
from autostack_core.infrastructure.models import User
from autostack_core.security.auth import CSRF_FIELD, cookie_name, set_cookie
from autostack_web import formatting
from autostack_web.comment_markdown import comment_markdown

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.sign_in import SignInProvider

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(ago=formatting.ago, duration=formatting.duration,
                             short_sha=formatting.short_sha, code_spans=formatting.code_spans,
                             comment_markdown=comment_markdown)
templates.env.globals.update(allowed=formatting.allowed, progress=formatting.progress,
                             elapsed=formatting.elapsed, is_final=formatting.is_final,
                             team_label=formatting.team_label)
STATIC_DIR = HERE / "static"

FORM_COOKIE = "autostack_form"
FORM_COOKIE_AGE = 2 * 60 * 60


def host_of(request: Request) -> AutoStack:
    host: AutoStack = request.app.state.autostack
    return host


def server_url(request: Request) -> str:
    """The server's one public URL, without a trailing slash (:attr:`Settings.server_url`):
    every link and command a page gives out starts with it."""
    return host_of(request).settings.server_url.rstrip("/")


def sign_in_providers(request: Request) -> list[SignInProvider]:
    """The sign-in providers configured on this server, by name ("Continue with ...")."""
    host = host_of(request)
    return sorted((provider for provider in host.sign_in_providers.values()
                   if provider.configured(host.settings)), key=lambda provider: provider.name)


templates.env.globals["sign_in_providers"] = sign_in_providers


def signed_in_user(request: Request) -> User | None:
    user: User | None = request.state.user
    return user


def _form_token(request: Request) -> tuple[str, bool]:
    """The CSRF token for this page's forms, and whether a new cookie must carry it."""
    session = request.state.session
    if session is not None:
        return session.csrf_token, False
    cookie = request.cookies.get(cookie_name(host_of(request).settings, FORM_COOKIE), "")
    if len(cookie) >= 32:
        return cookie, False
    return secrets.token_urlsafe(32), True


def anonymous_form_ok(request: Request, form: FormData) -> bool:
    """Whether a form posted before sign-in repeats the token of its cookie."""
    cookie = request.cookies.get(cookie_name(host_of(request).settings, FORM_COOKIE), "")
    sent = form.get(CSRF_FIELD)
    return bool(cookie) and isinstance(sent, str) and hmac.compare_digest(
        sent.encode(), cookie.encode()
    )


async def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``template`` with the shared variables and those of the plugins."""
    host = host_of(request)
    token, new_cookie = _form_token(request)
    values: dict[str, Any] = {"user": signed_in_user(request), "csrf_token": token,
                              "template": template, "server_url": server_url(request)}
    for extra in await host.call_hook("extra_template_vars", request=request, template=template):
        values.update(extra or {})
    values.update(context or {})
    response = templates.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )
    response.headers.setdefault("Cache-Control", "no-store")
    if new_cookie:
        set_cookie(response, host.settings, FORM_COOKIE, token, FORM_COOKIE_AGE)
    return response


def retry_after(error: ApiError) -> dict[str, str] | None:
    """The ``Retry-After`` header a page answering a rate-limit error carries."""
    return {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else None


def safe_next(value: str | None, default: str = "/dashboard") -> str:
    """A local path to go to after signing in; never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/login?next={quote(target, safe='')}")


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
