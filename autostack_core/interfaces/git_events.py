"""What a git host's webhook delivery becomes: one normalized :class:`GitEvent`, whatever
host sent it, and the helpers a host's parser uses.

A host's ``parse`` (:meth:`autostack_core.interfaces.git_host.GitHost.parse`) reads
the delivery's headers and JSON payload into events; :func:`field`,
:func:`branch_of`, :func:`files_of` and :func:`urls` cover the shapes GitHub-like
payloads share, and :func:`matches_hmac` / :func:`matches_token` check the two
signature schemes hosts use. Every name here is also importable from
:mod:`autostack_core.interfaces.git_host`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Headers = Mapping[str, str]
"""Request headers; a host reads them by lower-case name."""

ZERO_SHA = "0" * 40
"""The commit id hosts send for "no commit" (a branch created or deleted)."""


class EventKind(StrEnum):
    PING = "ping"
    PUSH = "push"
    PULL_REQUEST = "pull_request"
    BRANCH_DELETED = "branch_deleted"


class PullRequestAction(StrEnum):
    """What a pull (merge) request event means for its preview."""

    OPENED = "opened"
    UPDATED = "updated"
    CLOSED = "closed"


class PayloadError(ValueError):
    """The payload lacks a field its event type must have (answered 400)."""


@dataclass(frozen=True)
class GitEvent:
    """One thing that happened in a repository, whatever host sent it.

    ``provider`` is the host's name. ``changed_files`` is ``None`` when the
    host did not say (pull requests, Bitbucket pushes, truncated commit
    lists): such an event always deploys.
    """

    provider: str
    kind: EventKind
    repository: str
    clone_urls: tuple[str, ...]
    delivery_id: str | None = None
    branch: str | None = None
    commit_sha: str | None = None
    commit_message: str | None = None
    changed_files: frozenset[str] | None = None
    pull_request: int | None = None
    action: PullRequestAction | None = None
    merged: bool = False
    from_fork: bool = False
    head_clone_url: str | None = None


# -- payload helpers ----------------------------------------------------------------------


def field(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or :class:`PayloadError` naming the missing field."""
    for name in path:
        if not isinstance(data, dict) or name not in data:
            raise PayloadError(f"payload has no {'.'.join(path)}")
        data = data[name]
    return data


def optional(data: Any, *path: str) -> Any:
    """Like :func:`field` but ``None`` when any step is missing."""
    try:
        return field(data, *path)
    except PayloadError:
        return None


def branch_of(ref: str | None) -> str | None:
    """``refs/heads/main`` -> ``main``; tags and other refs -> ``None``."""
    prefix = "refs/heads/"
    return ref[len(prefix):] if ref and ref.startswith(prefix) else None


def files_of(commits: list[Any]) -> frozenset[str]:
    """Files added, modified or removed by ``commits``."""
    return frozenset(
        path
        for commit in commits if isinstance(commit, dict)
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
        if isinstance(path, str)
    )


def urls(*candidates: Any) -> tuple[str, ...]:
    """The non-empty strings among ``candidates``, in order (a repository's clone URLs)."""
    return tuple(url for url in candidates if isinstance(url, str) and url)


# -- signatures ------------------------------------------------------------------------------


def matches_hmac(sent: str | None, secret: str, body: bytes, prefix: str = "") -> bool:
    """True if ``sent`` is ``prefix`` + the hex HMAC-SHA256 of ``body`` under ``secret``."""
    if not sent or not secret:
        return False
    expected = prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(sent.strip().lower().encode(), expected.encode())


def matches_token(sent: str | None, secret: str) -> bool:
    """True if the shared token ``sent`` equals ``secret`` (GitLab's scheme)."""
    if not sent or not secret:
        return False
    return hmac.compare_digest(sent.encode(), secret.encode())
