"""What :mod:`autostack_core.security.log_redaction` masks, and that uvicorn's access formatter
still formats a filtered record (it reads the arguments by position)."""

from __future__ import annotations

import io
import logging

import pytest
from uvicorn.logging import AccessFormatter

from autostack_core.security.log_redaction import RedactingFilter, redact

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(("text", "expected"), [
    ("POST /api/v1/deploy-hooks/Xy_9-abc HTTP/1.1",
     "POST /api/v1/deploy-hooks/[redacted] HTTP/1.1"),
    ("/api/v1/deploy-hooks/Xy_9-abc?ref=main", "/api/v1/deploy-hooks/[redacted]?ref=main"),
    ("DELETE /api/v1/projects/site/deploy-hooks/12",
     "DELETE /api/v1/projects/site/deploy-hooks/12"),
    ("/auth/github/callback?code=abc123&state=xyz",
     "/auth/github/callback?code=[redacted]&state=xyz"),
    ("/?page=2&TOKEN=abc&x-vercel-protection-bypass=s3",
     "/?page=2&TOKEN=[redacted]&x-vercel-protection-bypass=[redacted]"),
    ("cloning https://deploy:ghp_secret@github.com/o/r.git",
     "cloning https://deploy:[redacted]@github.com/o/r.git"),
    ("git@github.com:owner/app.git and https://github.com/o/r", 
     "git@github.com:owner/app.git and https://github.com/o/r"),
])
def test_what_is_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_an_access_log_line_is_masked_and_still_formatted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s',
                                         use_colors=False))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.log_redaction.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST",
                    "/api/v1/deploy-hooks/secret-token", "1.1", 202)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == (
        '127.0.0.1:5000 - "POST /api/v1/deploy-hooks/[redacted] HTTP/1.1" 202 Accepted\n')


def test_a_traceback_is_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.log_redaction.errors")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError("fetch https://x:pat-123@git.example.com/r.git failed")
        except RuntimeError:
            logger.exception("clone of %s failed", "https://x:pat-123@git.example.com/r.git")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "pat-123" not in written
    assert written.startswith("clone of https://x:[redacted]@git.example.com/r.git failed\n")
    assert "RuntimeError: fetch https://x:[redacted]@git.example.com/r.git failed" in written
