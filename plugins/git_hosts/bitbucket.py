"""Bitbucket Cloud webhooks: ``X-Hub-Signature`` HMAC-SHA256, ``X-Event-Key`` types.

Handled: ``repo:push`` (each branch change; a change without ``new`` deletes
the branch) and ``pullrequest:created|updated|fulfilled|rejected``. Bitbucket
does not list changed files, so its pushes always deploy.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.git_host import (
    EventKind,
    GitEvent,
    GitHost,
    Headers,
    PullRequestAction,
    WebhookFormat,
    WebhookSetup,
    field,
    matches_hmac,
    optional,
    urls,
)

NAME = "bitbucket"

_PR_ACTIONS = {
    "pullrequest:created": PullRequestAction.OPENED,
    "pullrequest:updated": PullRequestAction.UPDATED,
    "pullrequest:fulfilled": PullRequestAction.CLOSED,
    "pullrequest:rejected": PullRequestAction.CLOSED,
}


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    return matches_hmac(headers.get("x-hub-signature"), secret, body, "sha256=")


def _repository(payload: Any) -> tuple[str, tuple[str, ...]]:
    repository = field(payload, "repository")
    html = optional(repository, "links", "html", "href")
    return str(field(repository, "full_name")), urls(html and f"{html}.git", html)


def _change(base: dict[str, Any], change: Any) -> GitEvent | None:
    new, old = change.get("new"), change.get("old")
    if new is None:
        if not old or old.get("type") != "branch":
            return None
        return GitEvent(kind=EventKind.BRANCH_DELETED, branch=str(field(old, "name")), **base)
    if new.get("type") != "branch":
        return None
    return GitEvent(
        kind=EventKind.PUSH, branch=str(field(new, "name")),
        commit_sha=str(field(new, "target", "hash")),
        commit_message=optional(new, "target", "message"), **base,
    )


def _push(headers: Headers, payload: Any) -> list[GitEvent]:
    repository, clone_urls = _repository(payload)
    base = {"provider": NAME, "repository": repository, "clone_urls": clone_urls,
            "delivery_id": headers.get("x-request-uuid")}
    changes = field(payload, "push", "changes")
    events = [_change(base, change) for change in changes if isinstance(change, dict)]
    return [event for event in events if event is not None]


def _pull_request(headers: Headers, payload: Any, key: str) -> list[GitEvent]:
    repository, clone_urls = _repository(payload)
    pull = field(payload, "pullrequest")
    source_repo = optional(pull, "source", "repository", "full_name")
    source_html = optional(pull, "source", "repository", "links", "html", "href")
    return [GitEvent(
        provider=NAME, kind=EventKind.PULL_REQUEST, repository=repository,
        clone_urls=clone_urls, delivery_id=headers.get("x-request-uuid"),
        branch=str(field(pull, "source", "branch", "name")),
        commit_sha=str(field(pull, "source", "commit", "hash")),
        commit_message=pull.get("title"), pull_request=int(field(pull, "id")),
        action=_PR_ACTIONS[key], merged=key == "pullrequest:fulfilled",
        from_fork=source_repo is not None and source_repo != repository,
        head_clone_url=source_html and f"{source_html}.git",
    )]


def parse(headers: Headers, payload: Any) -> list[GitEvent]:
    key = headers.get("x-event-key", "")
    if key == "repo:push":
        return _push(headers, payload)
    if key in _PR_ACTIONS:
        return _pull_request(headers, payload, key)
    return []


FORMAT = WebhookFormat(
    name=NAME,
    signature_headers=("x-hub-signature",),
    delivery_headers=("x-request-uuid",),
    verify=verify,
    parse=parse,
    setup=WebhookSetup(
        title="Bitbucket Cloud",
        where="Repository settings → Workflow → Webhooks → Add webhook",
        url_label="URL", secret_label="Secret",
        fields=(("Title", "AutoStack"), ("Status", "Active"),
                ("Triggers", "Choose from a full list of triggers: Repository Push; "
                             "Pull Request Created, Updated, Merged, Declined")),
    ),
)


@hookimpl
def register_git_hosts(settings: Settings) -> list[GitHost]:
    return [FORMAT]
