"""Constant-time webhook signature checks shared by the host modules."""

from __future__ import annotations

import hashlib
import hmac


def hmac_sha256(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def matches_hmac(sent: str | None, secret: str, body: bytes, prefix: str = "") -> bool:
    """True if ``sent`` is ``prefix`` + the hex HMAC-SHA256 of ``body`` under ``secret``."""
    if not sent or not secret:
        return False
    expected = prefix + hmac_sha256(secret, body)
    return hmac.compare_digest(sent.strip().lower().encode(), expected.encode())


def matches_token(sent: str | None, secret: str) -> bool:
    """True if the shared token ``sent`` equals ``secret`` (GitLab's scheme)."""
    if not sent or not secret:
        return False
    return hmac.compare_digest(sent.encode(), secret.encode())
