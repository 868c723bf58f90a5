"""Who is asking: API tokens, session cookies, and CSRF protection for cookies.

:class:`AuthMiddleware` fills ``request.state`` for every HTTP request:
``user`` (a :class:`~autostack_core.infrastructure.models.User` or ``None``), ``session``
(the :class:`~autostack_core.infrastructure.models.UserSession` of a browser, or ``None``),
``via_token`` (``True`` when an API token authenticated the request) and
``api_token``. Credentials, in order:

1. ``Authorization: Bearer <token>`` with an API token (the CLI and the API);
2. ``Authorization: Basic`` whose password is an API token (git over HTTP;
   the user name is ignored, and a token given as the user name works too);
3. the signed session cookie of a browser.

The session, or the token's user, is bound for the code serving the request
(:mod:`autostack_core.security.sign_in_method`), for the teams that require
single sign-on.

A wrong or expired token is answered 401 at once; a token past its rate limit
(``AUTOSTACK_RATE_LIMIT_TOKEN``, :mod:`autostack_core.security.rate_limits`) 429
with ``Retry-After``. A request authenticated by
the cookie that changes state (any method but GET, HEAD, OPTIONS) must carry
the session's CSRF token in the ``X-CSRF-Token`` header or, for forms, in the
``csrf_token`` field; otherwise 403. Token-authenticated requests need no CSRF
token: browsers never attach those credentials on their own.

The cookie carries a random session key, signed with itsdangerous under a key
derived (HKDF) from the secrets keyring, so rotating the keyring signs new
cookies with the new key while older cookies stay valid until their key goes.
Only the sha256 of the session key is stored.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autostack_core.config import Settings
from autostack_core.errors import error_response
from autostack_core.security import accounts, rate_limits, sign_in_method
from autostack_core.security.crypto import Keyring, derive_key

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

SESSION_COOKIE = "autostack_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BYTES = 10 * 1024 * 1024
"""Largest form body read for its CSRF field; bigger uploads send the header."""

SKIP_PREFIXES = ("/static/", "/metrics")
"""Paths that never need a user (no database lookup for assets; ``/metrics`` checks its
own token, :mod:`autostack_core.services.metrics`)."""


# -- cookies ----------------------------------------------------------------------------


def cookie_name(settings: Settings, name: str = SESSION_COOKIE) -> str:
    """``__Host-`` cookies under https: deployments on sub-domains cannot overwrite them."""
    return f"__Host-{name}" if settings.secure_cookies else name


def signer(keyring: Keyring, purpose: str = "session-cookie") -> URLSafeTimedSerializer:
    """A serializer signing with the newest key; every key of the keyring verifies."""
    keys = [derive_key(key, purpose) for key in reversed(keyring.keys)]
    return URLSafeTimedSerializer(keys, salt=purpose)


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        cookie_name(settings, name), value, max_age=max_age, path="/",
        secure=settings.secure_cookies, httponly=True, samesite="lax",
    )


def set_session_cookie(response: Response, host: AutoStack, key: str) -> None:
    """Sign the session ``key`` into the cookie of ``response``."""
    lifetime = int(accounts.SESSION_LIFETIME.total_seconds())
    set_cookie(response, host.settings, SESSION_COOKIE, signer(host.keyring).dumps(key), lifetime)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=settings.secure_cookies, httponly=True,
        samesite="lax",
    )


def read_session_key(host: AutoStack, cookie: str) -> str | None:
    """The session key in a cookie value, if its signature and age check out."""
    max_age = int(accounts.SESSION_LIFETIME.total_seconds())
    try:
        key = signer(host.keyring).loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    return key if isinstance(key, str) else None


def client_ip(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else ""


# -- credentials ----------------------------------------------------------------------


def token_from_authorization(value: str) -> str | None:
    """The API token in a Bearer or Basic ``Authorization`` header, else ``None``."""
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, _, password = decoded.partition(":")
        return password or username or None
    return None


def _unauthorized(scheme: str) -> Response:
    response = error_response(401, "the API token is invalid, expired or revoked")
    realm = 'Basic realm="AutoStack"' if scheme == "basic" else 'Bearer realm="AutoStack"'
    response.headers["WWW-Authenticate"] = realm
    return response


def _csrf_failed(path: str) -> Response:
    message = (
        "the CSRF token is missing or wrong: send the session's token in the X-CSRF-Token "
        "header or the csrf_token form field (reload the page and submit again)"
    )
    if path.startswith("/api/"):
        return error_response(403, message, CSRF_FIELD, code="csrf_failed")
    return HTMLResponse(
        "<!doctype html><title>Form expired</title><h1>This form expired</h1>"
        "<p>The form was missing its security token or came from another site. "
        "Go back, reload the page and submit it again.</p>",
        status_code=403,
    )


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, list[Message], bool]:
    """Read the request body up to ``limit``; returns it, the messages, and if it was all."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return b"", messages, False
        size += len(message.get("body", b""))
        if size > limit:
            return b"", messages, False
        if not message.get("more_body", False):
            body = b"".join(m.get("body", b"") for m in messages)
            return body, messages, True


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _form_csrf(scope: Scope, body: bytes, content_type: str) -> str | None:
    if content_type.startswith(FORM_TYPES[0]):
        fields = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        return fields.get(CSRF_FIELD)
    sent = False

    async def once() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(scope, once).form() as form:
            value = form.get(CSRF_FIELD)
    except Exception:  # a malformed form has no token; the route reports the form error
        return None
    return value if isinstance(value, str) else None


# -- the middleware ----------------------------------------------------------------------


class AuthMiddleware:
    """Resolve the user of each request and enforce CSRF on cookie sessions."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state.update(user=None, session=None, via_token=False, api_token=None)
        if scope["path"].startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        host: AutoStack = scope["app"].state.autostack
        connection = HTTPConnection(scope)
        authorization = connection.headers.get("authorization")
        if authorization:
            scheme = authorization.strip().partition(" ")[0].lower()
            raw = token_from_authorization(authorization)
            token = await accounts.token_for_secret(raw) if raw else None
            if token is None:
                await _unauthorized(scheme)(scope, receive, send)
                return
            wait = await rate_limits.limits_of(host).take_token(token.id)
            if wait:
                response = error_response(429, "this API token sent more requests than its "
                                          "limit; wait and retry", code="rate_limited")
                response.headers["Retry-After"] = rate_limits.retry_after(wait)
                await response(scope, receive, send)
                return
            state.update(user=token.user, via_token=True, api_token=token)
            with sign_in_method.bind(sign_in_method.SignIn(token_user_id=token.user.id)):
                await self.app(scope, receive, send)
            return
        cookie = connection.cookies.get(cookie_name(host.settings))
        key = read_session_key(host, cookie) if cookie else None
        session = await accounts.session_for_key(key) if key else None
        if session is not None:
            state.update(user=session.user, session=session)
            if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
                checked = await self._check_csrf(scope, receive, send, session.csrf_token)
                if checked is None:
                    return
                receive = checked
        with sign_in_method.bind(sign_in_method.SignIn(session_id=session.id)
                                 if session is not None else None):
            await self.app(scope, receive, send)

    async def _check_csrf(
        self, scope: Scope, receive: Receive, send: Send, expected: str
    ) -> Receive | None:
        """``receive`` (replaying what was read) if the CSRF token matches; else answer 403."""
        headers = Headers(scope=scope)
        sent = headers.get(CSRF_HEADER)
        content_type = headers.get("content-type", "")
        if sent is None and content_type.startswith(FORM_TYPES):
            body, messages, complete = await _read_body(receive, MAX_FORM_BYTES)
            receive = _replay(messages, receive)
            if complete:
                sent = await _form_csrf(scope, body, content_type)
        if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
            await _csrf_failed(scope["path"])(scope, receive, send)
            return None
        return receive
