"""How the request being served signed in, for the teams that require single sign-on.

:class:`~autostack_core.security.auth.AuthMiddleware` binds the browser
session of each request (:func:`bind`); :func:`session_id` reads it wherever a
team's access is decided (:mod:`autostack_core.services.team_sso`), however
deep. Outside a browser request (API tokens, the queue, the CLI) nothing is
bound and the check does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_session: ContextVar[int | None] = ContextVar("autostack_session_id", default=None)


@contextmanager
def bind(session_id: int | None) -> Iterator[None]:
    """Make ``session_id`` the browser session of the code run inside (one request)."""
    token = _session.set(session_id)
    try:
        yield
    finally:
        _session.reset(token)


def session_id() -> int | None:
    """The id of the request's browser session, ``None`` without one."""
    return _session.get()
