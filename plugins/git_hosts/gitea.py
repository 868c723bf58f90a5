"""Gitea and Forgejo webhooks: ``X-Gitea-Signature`` (or ``X-Forgejo-Signature``).

The signature is the bare hex HMAC-SHA256 of the body. Handled: ``push``,
``pull_request`` (opened, reopened, synchronized, closed) and ``delete`` of a
branch; the payloads follow GitHub's shapes.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.git_host import (
    ZERO_SHA,
    EventKind,
    GitEvent,
    GitHost,
    Headers,
    PullRequestAction,
    WebhookFormat,
    WebhookSetup,
    branch_of,
    field,
    files_of,
    matches_hmac,
    optional,
    urls,
)

NAME = "gitea"

_PR_ACTIONS = {
    "opened": PullRequestAction.OPENED,
    "reopened": PullRequestAction.OPENED,
    "synchronized": PullRequestAction.UPDATED,
    "closed": PullRequestAction.CLOSED,
}


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    sent = headers.get("x-gitea-signature") or headers.get("x-forgejo-signature")
    return matches_hmac(sent, secret, body)


def _delivery(headers: Headers) -> str | None:
    return headers.get("x-gitea-delivery") or headers.get("x-forgejo-delivery")


def _base(headers: Headers, payload: Any) -> dict[str, Any]:
    repository = field(payload, "repository")
    return {
        "provider": NAME, "repository": str(field(repository, "full_name")),
        "clone_urls": urls(repository.get("clone_url"), repository.get("ssh_url"),
                           repository.get("html_url")),
        "delivery_id": _delivery(headers),
    }


def _push(headers: Headers, payload: Any) -> list[GitEvent]:
    branch = branch_of(field(payload, "ref"))
    if branch is None:
        return []
    after = str(field(payload, "after"))
    if after == ZERO_SHA:
        return [GitEvent(kind=EventKind.BRANCH_DELETED, branch=branch, **_base(headers, payload))]
    commits = payload.get("commits") or []
    truncated = payload.get("total_commits", len(commits)) > len(commits)
    created = payload.get("before") == ZERO_SHA
    return [GitEvent(
        kind=EventKind.PUSH, branch=branch, commit_sha=after,
        commit_message=optional(payload, "head_commit", "message"),
        changed_files=None if truncated or created else files_of(commits),
        **_base(headers, payload),
    )]


def _pull_request(headers: Headers, payload: Any) -> list[GitEvent]:
    action = _PR_ACTIONS.get(str(field(payload, "action")))
    if action is None:
        return []
    base = _base(headers, payload)
    pull = field(payload, "pull_request")
    head_repo = optional(pull, "head", "repo", "full_name")
    return [GitEvent(
        kind=EventKind.PULL_REQUEST, branch=str(field(pull, "head", "ref")),
        commit_sha=str(field(pull, "head", "sha")), commit_message=pull.get("title"),
        pull_request=int(field(pull, "number")), action=action,
        merged=bool(pull.get("merged")),
        from_fork=head_repo is not None and head_repo != base["repository"],
        head_clone_url=optional(pull, "head", "repo", "clone_url"), **base,
    )]


def _delete(headers: Headers, payload: Any) -> list[GitEvent]:
    if field(payload, "ref_type") != "branch":
        return []
    return [GitEvent(kind=EventKind.BRANCH_DELETED, branch=str(field(payload, "ref")),
                     **_base(headers, payload))]


def parse(headers: Headers, payload: Any) -> list[GitEvent]:
    kind = headers.get("x-gitea-event") or headers.get("x-forgejo-event") or ""
    handler = {"push": _push, "pull_request": _pull_request, "delete": _delete}.get(kind)
    return [] if handler is None else handler(headers, payload)


FORMAT = WebhookFormat(
    name=NAME,
    signature_headers=("x-gitea-signature", "x-forgejo-signature"),
    delivery_headers=("x-gitea-delivery", "x-forgejo-delivery"),
    verify=verify,
    parse=parse,
    setup=WebhookSetup(
        title="Gitea / Forgejo",
        where="Repository → Settings → Webhooks → Add webhook → Gitea (Forgejo on Forgejo)",
        url_label="Target URL", secret_label="Secret",
        fields=(("HTTP method", "POST"), ("POST content type", "application/json"),
                ("Trigger on", "Custom events: Push, Pull request, Delete"),
                ("Branch filter", "*"), ("Active", "checked")),
    ),
)


@hookimpl
def register_git_hosts(settings: Settings) -> list[GitHost]:
    return [FORMAT]
