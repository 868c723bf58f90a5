"""Secrets kept out of every log the server writes.

Some URLs are credentials: a deploy hook's URL is the only thing a caller
needs to deploy (``/api/v1/deploy-hooks/<token>``), an OAuth callback carries
a one-time ``code``, and a git URL may hold ``user:token@``. Access logs
record such URLs by design, and logs are read by more people, and kept
longer, than secrets should be. :func:`redact` masks them; the server installs
:class:`RedactingFilter` on every handler of its logging configuration
(:func:`server_log_config`: uvicorn's access and error logs, and the root
logger the app's ``autostack.*`` loggers reach), and the edge's access log
replaces the same query parameters (:data:`SECRET_PARAMETERS`) with Caddy's
own log filter.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

MASK = "[redacted]"
SECRET_PARAMETERS = (
    "token", "access_token", "refresh_token", "id_token", "secret", "client_secret",
    "password", "code", "key", "api_key", "signature", "sig", "x-vercel-protection-bypass",
    "ticket",
)
"""Query parameters whose values are credentials (OAuth, signed URLs, bypass secrets,
team login tickets)."""

_SECRET_PATH = re.compile(r"(/api/v1/deploy-hooks/)[^/?#\s\"']+")
_SECRET_QUERY = re.compile(
    r"([?&;](?:" + "|".join(re.escape(name) for name in SECRET_PARAMETERS) + r")=)[^&;#\s\"']+",
    re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@\"']*):[^/\s@\"']+@")


def redact(text: str) -> str:
    """``text`` with deploy-hook tokens, secret query values and URL passwords masked."""
    text = _SECRET_PATH.sub(rf"\g<1>{MASK}", text)
    text = _SECRET_QUERY.sub(rf"\g<1>{MASK}", text)
    return _URL_PASSWORD.sub(rf"\g<1>:{MASK}@", text)


def _redact_value(value: Any) -> Any:
    """A log argument redacted; numbers stay numbers so ``%d`` still formats them."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    masked = redact(text)
    return value if masked == text else masked


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback before any handler writes.

    Arguments are redacted one by one rather than merged into the message, because
    formatters such as uvicorn's access formatter read them by position.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def server_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, every handler filtered, the root logger included."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactingFilter}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config

