"""How the request being served signed in, for the teams that require single sign-on.

:class:`~autostack_core.security.auth.AuthMiddleware` binds each request's
credential (:func:`bind`): the browser session, or the user of the API token;
:func:`current` reads it wherever a team's access is decided
(:mod:`autostack_core.services.team_sso`), however deep. Outside a request (the
queue, the CLI's server commands) nothing is bound and the check does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class SignIn:
    """A request's credential: a browser session's id, or an API token's user's id."""

    session_id: int | None = None
    token_user_id: int | None = None


_current: ContextVar[SignIn | None] = ContextVar("autostack_sign_in", default=None)


@contextmanager
def bind(sign_in: SignIn | None) -> Iterator[None]:
    """Make ``sign_in`` the credential of the code run inside (one request)."""
    token = _current.set(sign_in)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> SignIn | None:
    """The request's credential, ``None`` outside a signed-in request."""
    return _current.get()
