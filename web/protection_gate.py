"""The gate of protected deployments: the edge's check, the password form, team login.

Served on the deployment's own hostname through the edge (which proxies the
paths under :data:`PROTECTION_PREFIX` here, ``Host`` kept), except the team
login's first step, which is a dashboard page:

* ``GET <prefix>check``: the edge's question before each request (the
  visitor's method and path in ``X-Forwarded-Method``/``X-Forwarded-Uri``).
  204 lets the request through (also for a hostname no project's alias or
  deployment holds any more, such as a custom domain that became a redirect);
  otherwise the answer is the visitor's: the
  password form (401), a redirect to the dashboard's team sign-in, a redirect
  that sets the bypass cookie, or a plain 401 for what is not a page visit;
* ``GET/POST <prefix>login``: the password form, then the access cookie;
* ``GET /protection/sign-in?next=<url>`` (dashboard, signed in): a member of
  the project's team gets a one-minute ticket and goes back to
  ``<prefix>callback`` on the deployment's hostname (a page that refreshes to
  it: after the log-in form, the dashboard's ``form-action 'self'`` would stop
  a redirect to another origin), which sets the access cookie. Only hostnames
  AutoStack protects with team login are accepted as ``next``, and the way
  back is built from the edge's URL for that hostname: no open redirect.

Every answer here is ``Cache-Control: private, no-store`` (the edge adds it too).
Rules and cookies: :mod:`autostack_core.services.protection_gate`.
"""

from __future__ import annotations

from html import escape
from ipaddress import ip_address
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, Throttled
from autostack_core.infrastructure.models import OverBandwidth, Plan, ProtectionMode, User
from autostack_core.interfaces.edge import PROTECTION_CHECK, PROTECTION_PREFIX
from autostack_core.security import rate_limits
from autostack_core.services import protection_gate as gate
from autostack_core.services import quotas
from autostack_core.services.protection_gate import Target
from autostack_web.access import page
from autostack_web.rendering import STATIC_DIR, host_of, templates

NO_STORE = "private, no-store"
LOGIN = f"{PROTECTION_PREFIX}login"
CALLBACK = f"{PROTECTION_PREFIX}callback"
SIGN_IN = "/protection/sign-in"


def request_host(request: Request) -> str:
    """The hostname the visitor asked for, without a port."""
    return urlsplit(f"//{request.headers.get('host', '')}").hostname or ""


def base_domain(request: Request) -> str:
    return host_of(request).settings.base_domain


def visitor_ip(request: Request) -> str:
    """The visitor's address: the one the local edge names when it forwarded the request."""
    direct = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
    try:
        from_edge = ip_address(direct).is_loopback
    except ValueError:
        from_edge = False
    return forwarded if from_edge and forwarded else direct


def is_https(request: Request) -> bool:
    return request.headers.get("x-forwarded-proto", request.url.scheme) == "https"


def with_cookie(response: Response, request: Request, value: str,
                same_site_none: bool = False) -> Response:
    """Set the access cookie: this hostname only, HttpOnly, Secure under HTTPS."""
    secure = is_https(request)
    response.set_cookie(gate.COOKIE, value, max_age=gate.COOKIE_SECONDS, path="/",
                        secure=secure, httponly=True,
                        samesite="none" if same_site_none and secure else "lax")
    return no_store(response)


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    return response


def password_form(request: Request, target: Target, next_path: str, status_code: int = 401,
                  error: ApiError | None = None) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else None
    response = templates.TemplateResponse(request, "protection_login.html", {
        "hostname": target.hostname, "next": gate.local_path(next_path), "error": error,
        "login": LOGIN, "stylesheet": f"{PROTECTION_PREFIX}app.css",
    }, status_code=status_code, headers=headers)
    return no_store(response)


def denied() -> Response:
    return no_store(PlainTextResponse(
        "401: this deployment is protected; sign in, or send the bypass secret", 401))


def bandwidth_page(plan: Plan) -> Response:
    """402 for every request to a site whose team used up its plan's monthly bandwidth."""
    return HTMLResponse(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Bandwidth used up</title></head><body><h1>This site is paused</h1>"
        f"<p>Its team has used the {escape(plan.name)} plan's bandwidth for this month. "
        "It is served again on the first day of next month, or as soon as the team's plan "
        "allows more.</p></body></html>", status_code=402)


async def check(request: Request) -> Response:
    """The edge's question: may this request for a protected hostname go through?"""
    target = await gate.target_of(request_host(request), base_domain(request))
    if target is not None:
        team_id = target.project.team_id  # type: ignore[attr-defined]
        over = await quotas.over_bandwidth(team_id)
        if over is not None and over.over_bandwidth == OverBandwidth.BLOCK:
            return no_store(bandwidth_page(over))
        wait, why = await rate_limits.gate_wait(host_of(request), target.project.id, team_id,
                                                visitor_ip(request), over)
        if wait:
            return rate_limits.too_many(wait, why)
    if target is None or target.mode == ProtectionMode.NONE:
        return no_store(Response(status_code=204))
    uri = request.headers.get("x-forwarded-uri", "/")
    headers = {key.lower(): value for key, value in request.headers.items()}
    secret, wish = gate.sent_bypass(headers, uri)
    if gate.bypass_matches(target.project, secret):
        grant = gate.bypass_grant(target.project) or ""
        if wish in gate.SET_COOKIE_VALUES:
            response = RedirectResponse(gate.without_bypass(uri), status_code=307)
            return with_cookie(response, request, gate.cookie_value(host_of(request), target,
                                                                    grant),
                               same_site_none=wish == "samesitenone")
        return no_store(Response(status_code=204))
    if await gate.cookie_admits(host_of(request), target, request.cookies.get(gate.COOKIE)):
        return no_store(Response(status_code=204))
    method = request.headers.get("x-forwarded-method", "GET").upper()
    wants_page = method in ("GET", "HEAD") and "text/html" in request.headers.get("accept", "")
    if not wants_page:
        return denied()
    if target.mode == ProtectionMode.PASSWORD:
        return password_form(request, target, uri)
    origin = f"{'https' if is_https(request) else 'http'}://{request.headers.get('host', '')}"
    settings = host_of(request).settings
    sign_in = f"{settings.server_url}{SIGN_IN}?{urlencode({'next': origin + uri})}"
    return no_store(RedirectResponse(sign_in, status_code=302))


async def login_form(request: Request) -> Response:
    """The password form (also what a denied page visit gets)."""
    target = await gate.target_of(request_host(request), base_domain(request))
    if target is None or target.mode != ProtectionMode.PASSWORD:
        return denied()
    return password_form(request, target, request.query_params.get("next", "/"), 200)


async def login(request: Request) -> Response:
    """Check the password; the right one sets the access cookie and goes back to ``next``."""
    target = await gate.target_of(request_host(request), base_domain(request))
    if target is None or target.mode != ProtectionMode.PASSWORD:
        return denied()
    async with request.form() as form:
        password = str(form.get("password") or "")
        next_path = gate.local_path(str(form.get("next") or "/"))
    try:
        admitted = await gate.password_admits(target, password, visitor_ip(request))
    except Throttled as error:
        return password_form(request, target, next_path, 429, error)
    if not admitted:
        return password_form(request, target, next_path, 401,
                             ApiError(401, "password: that is not the password", "password"))
    grant = gate.password_grant(target.project) or ""
    return with_cookie(RedirectResponse(next_path, status_code=303), request,
                       gate.cookie_value(host_of(request), target, grant))


async def callback(request: Request) -> Response:
    """The team login's return: a fresh ticket for this hostname sets the access cookie."""
    target = await gate.target_of(request_host(request), base_domain(request))
    if target is None or target.mode != ProtectionMode.TEAM:
        return denied()
    grant = await gate.redeem(host_of(request), target, request.query_params.get("ticket", ""))
    if grant is None:
        return denied()
    next_path = gate.local_path(request.query_params.get("next", "/"))
    return with_cookie(RedirectResponse(next_path, status_code=303), request,
                       gate.cookie_value(host_of(request), target, grant))


async def stylesheet(request: Request) -> Response:
    """The dashboard's stylesheet for the password form (the deployment's ``/static`` is not)."""
    return FileResponse(STATIC_DIR / "app.css", media_type="text/css")


async def sign_in(request: Request, user: User) -> Response:
    """Team login from the dashboard: a member goes back to the deployment with a ticket."""
    wanted = urlsplit(request.query_params.get("next", ""))
    target = await gate.target_of(wanted.hostname or "", base_domain(request)) \
        if wanted.scheme in ("http", "https") else None
    if target is None or target.mode != ProtectionMode.TEAM:
        raise ApiError(404, "protected deployment not found", "next")
    if not await gate.is_member(user, target.project):
        raise ApiError(403, f"your account is not in the team of {target.hostname}; ask one "
                            "of its admins to invite you", "next")
    path = gate.local_path(wanted.path or "/") + (f"?{wanted.query}" if wanted.query else "")
    ticket = gate.ticket_for(host_of(request), target, user)
    back = host_of(request).edge.public_url(target.hostname)
    query = urlencode({"ticket": ticket, "next": path})
    return no_store(templates.TemplateResponse(request, "protection_continue.html", {
        "hostname": target.hostname, "url": f"{back}{CALLBACK}?{query}"}))


routes: list[BaseRoute] = [
    Route(PROTECTION_CHECK, check, methods=["GET"], include_in_schema=False),
    Route(LOGIN, login_form, methods=["GET"], include_in_schema=False),
    Route(LOGIN, login, methods=["POST"], include_in_schema=False),
    Route(CALLBACK, callback, methods=["GET"], include_in_schema=False),
    Route(f"{PROTECTION_PREFIX}app.css", stylesheet, methods=["GET"], include_in_schema=False),
    Route(SIGN_IN, page(sign_in), methods=["GET"], include_in_schema=False),
]
