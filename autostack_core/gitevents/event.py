"""The normalized git event and the description of one host's webhook format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Headers = Mapping[str, str]


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

    ``changed_files`` is ``None`` when the host did not say (pull requests,
    Bitbucket pushes, truncated commit lists): such an event always deploys.
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


Verifier = Callable[[Headers, bytes, str], bool]
Parser = Callable[[Headers, Any], list[GitEvent]]


@dataclass(frozen=True)
class WebhookFormat:
    """How one host signs, identifies and shapes its webhook deliveries."""

    name: str
    signature_headers: tuple[str, ...]
    delivery_headers: tuple[str, ...]
    verify: Verifier
    parse: Parser

    def has_signature(self, headers: Headers) -> bool:
        return any(headers.get(name) for name in self.signature_headers)

    def delivery_id(self, headers: Headers) -> str | None:
        return next((headers[name] for name in self.delivery_headers if headers.get(name)), None)


ZERO_SHA = "0" * 40


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
    return tuple(url for url in candidates if isinstance(url, str) and url)
