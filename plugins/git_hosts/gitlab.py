"""GitLab webhooks: the shared ``X-Gitlab-Token``, ``object_kind`` in the body.

Handled: push hooks (a push whose ``after`` is all zeros deletes the branch)
and merge request hooks (open, reopen, update with new commits, close, merge).
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
    matches_token,
    optional,
    urls,
)

NAME = "gitlab"


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    return matches_token(headers.get("x-gitlab-token"), secret)


def _repository(project: Any) -> tuple[str, tuple[str, ...]]:
    return str(field(project, "path_with_namespace")), urls(
        project.get("git_http_url"), project.get("git_ssh_url"), project.get("web_url"))


def _push(headers: Headers, payload: Any) -> list[GitEvent]:
    branch = branch_of(field(payload, "ref"))
    if branch is None:
        return []
    repository, clone_urls = _repository(field(payload, "project"))
    common: dict[str, Any] = {"provider": NAME, "repository": repository, "clone_urls": clone_urls,
              "delivery_id": headers.get("x-gitlab-event-uuid"), "branch": branch}
    after = str(field(payload, "after"))
    if after == ZERO_SHA:
        return [GitEvent(kind=EventKind.BRANCH_DELETED, **common)]
    commits = payload.get("commits") or []
    # GitLab lists at most 20 commits; ``total_commits_count`` tells when some are missing.
    truncated = payload.get("total_commits_count", len(commits)) > len(commits)
    created = payload.get("before") == ZERO_SHA
    head = next((c for c in commits if isinstance(c, dict) and c.get("id") == after), {})
    return [GitEvent(
        kind=EventKind.PUSH, commit_sha=str(payload.get("checkout_sha") or after),
        commit_message=head.get("message"),
        changed_files=None if truncated or created else files_of(commits),
        **common,
    )]


def _action(attributes: Any) -> PullRequestAction | None:
    action = attributes.get("action")
    if action in ("open", "reopen"):
        return PullRequestAction.OPENED
    if action == "update" and attributes.get("oldrev"):
        return PullRequestAction.UPDATED
    if action in ("close", "merge"):
        return PullRequestAction.CLOSED
    return None


def _merge_request(headers: Headers, payload: Any) -> list[GitEvent]:
    attributes = field(payload, "object_attributes")
    action = _action(attributes)
    if action is None:
        return []
    repository, clone_urls = _repository(field(payload, "project"))
    return [GitEvent(
        provider=NAME, kind=EventKind.PULL_REQUEST, repository=repository,
        clone_urls=clone_urls, delivery_id=headers.get("x-gitlab-event-uuid"),
        branch=str(field(attributes, "source_branch")),
        commit_sha=str(field(attributes, "last_commit", "id")),
        commit_message=attributes.get("title"), pull_request=int(field(attributes, "iid")),
        action=action, merged=attributes.get("action") == "merge"
        or attributes.get("state") == "merged",
        from_fork=attributes.get("source_project_id") != attributes.get("target_project_id"),
        head_clone_url=optional(attributes, "source", "git_http_url"),
    )]


def parse(headers: Headers, payload: Any) -> list[GitEvent]:
    handler = {"push": _push, "merge_request": _merge_request}.get(
        str(payload.get("object_kind")))
    return [] if handler is None else handler(headers, payload)


FORMAT = WebhookFormat(
    name=NAME,
    signature_headers=("x-gitlab-token",),
    delivery_headers=("x-gitlab-event-uuid",),
    verify=verify,
    parse=parse,
    setup=WebhookSetup(
        title="GitLab",
        where="Project → Settings → Webhooks → Add new webhook",
        url_label="URL", secret_label="Secret token",
        fields=(("Trigger", "Push events (all branches), Merge request events"),
                ("SSL verification", "Enable SSL verification")),
    ),
)


@hookimpl
def register_git_hosts(settings: Settings) -> list[GitHost]:
    return [FORMAT]
