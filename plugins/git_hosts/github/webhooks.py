"""GitHub webhooks: ``X-Hub-Signature-256`` HMAC-SHA256, ``X-GitHub-Event`` types.

Handled: ``ping``, ``push`` (branches; a deleted branch too), ``pull_request``
(opened, reopened, synchronize, closed) and ``delete`` of a branch.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from autostack_core.interfaces.git_host import (
    EventKind,
    GitEvent,
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

NAME = "github"
COMMITS_LIMIT = 20
"""GitHub lists at most 20 commits in a push; with 20, more may be missing."""

_PR_ACTIONS = {
    "opened": PullRequestAction.OPENED,
    "reopened": PullRequestAction.OPENED,
    "synchronize": PullRequestAction.UPDATED,
    "closed": PullRequestAction.CLOSED,
}


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    return matches_hmac(headers.get("x-hub-signature-256"), secret, body, "sha256=")


def _base(headers: Headers, payload: Any, kind: EventKind) -> GitEvent:
    repository = field(payload, "repository")
    return GitEvent(
        provider=NAME,
        kind=kind,
        repository=str(field(repository, "full_name")),
        clone_urls=urls(repository.get("clone_url"), repository.get("ssh_url"),
                        repository.get("html_url")),
        delivery_id=headers.get("x-github-delivery"),
    )


def _push(headers: Headers, payload: Any) -> list[GitEvent]:
    branch = branch_of(field(payload, "ref"))
    if branch is None:
        return []
    if payload.get("deleted"):
        return [replace(_base(headers, payload, EventKind.BRANCH_DELETED), branch=branch)]
    head = payload.get("head_commit") or {}
    commits = payload.get("commits") or []
    cut = payload.get("created") or len(commits) >= COMMITS_LIMIT
    files = None if cut else files_of(commits)
    return [replace(
        _base(headers, payload, EventKind.PUSH), branch=branch,
        commit_sha=str(field(payload, "after")), commit_message=head.get("message"),
        changed_files=files,
    )]


def _pull_request(headers: Headers, payload: Any) -> list[GitEvent]:
    action = _PR_ACTIONS.get(str(field(payload, "action")))
    if action is None:
        return []
    pull = field(payload, "pull_request")
    base = _base(headers, payload, EventKind.PULL_REQUEST)
    head_repo = optional(pull, "head", "repo", "full_name")
    return [replace(
        base, branch=str(field(pull, "head", "ref")), commit_sha=str(field(pull, "head", "sha")),
        commit_message=pull.get("title"), pull_request=int(field(pull, "number")),
        action=action, merged=bool(pull.get("merged")), from_fork=head_repo != base.repository,
        head_clone_url=optional(pull, "head", "repo", "clone_url"),
    )]


def _delete(headers: Headers, payload: Any) -> list[GitEvent]:
    if field(payload, "ref_type") != "branch":
        return []
    return [replace(_base(headers, payload, EventKind.BRANCH_DELETED),
                     branch=str(field(payload, "ref")))]


def parse(headers: Headers, payload: Any) -> list[GitEvent]:
    kind = headers.get("x-github-event", "")
    if kind == "ping":
        return [_base(headers, payload, EventKind.PING)] if "repository" in payload else []
    handler = {"push": _push, "pull_request": _pull_request, "delete": _delete}.get(kind)
    return [] if handler is None else handler(headers, payload)


FORMAT = WebhookFormat(
    name=NAME,
    signature_headers=("x-hub-signature-256",),
    delivery_headers=("x-github-delivery",),
    verify=verify,
    parse=parse,
    setup=WebhookSetup(
        title="GitHub",
        where="Repository → Settings → Webhooks → Add webhook",
        url_label="Payload URL", secret_label="Secret",
        fields=(("Content type", "application/json"), ("SSL verification", "Enable"),
                ("Which events", "Let me select individual events: Branch or tag deletion, "
                                 "Pull requests, Pushes"),
                ("Active", "checked")),
    ),
)

