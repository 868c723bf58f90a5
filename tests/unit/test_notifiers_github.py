"""The GitHub notifier against a local HTTP stand-in that speaks GitHub's REST shapes
(``POST /repos/{o}/{r}/statuses/{sha}``, ``GET|POST /repos/{o}/{r}/issues/{n}/comments``,
``PATCH /repos/{o}/{r}/issues/comments/{id}``); GitHub itself is not reachable from here.
"""

from __future__ import annotations

from typing import Any

import pytest
from ssrfguard import SSRFGuardError

from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound
from autostack_plugins.notifiers.github import GitHubNotifier
from tests.http_standin import TO_STANDINS, Recorded, standin

REPO = "/repos/Codertocat/Hello-World"
SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


class FakeGitHub:
    """Statuses and issue comments kept in memory, answered with GitHub's shapes."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = []
        self.comments: dict[int, dict[str, Any]] = {}

    def __call__(self, request: Recorded) -> tuple[int, Any]:
        if request.headers.get("authorization") != "Bearer ghp_test":
            return 401, {"message": "Bad credentials"}
        path = request.path.split("?")[0]
        if request.method == "POST" and path == f"{REPO}/statuses/{SHA}":
            self.statuses.append(request.json())
            return 201, {"id": len(self.statuses), **request.json()}
        if path == f"{REPO}/issues/2/comments" and request.method == "GET":
            return 200, list(self.comments.values())
        if path == f"{REPO}/issues/2/comments" and request.method == "POST":
            comment = {"id": 1000 + len(self.comments), "body": request.json()["body"]}
            self.comments[comment["id"]] = comment
            return 201, comment
        if request.method == "PATCH" and path.startswith(f"{REPO}/issues/comments/"):
            comment = self.comments[int(path.rsplit("/", 1)[1])]
            comment["body"] = request.json()["body"]
            return 200, comment
        return 404, {"message": "Not Found"}


def event(kind: str, sha: str = SHA, **data: Any) -> Event:
    return Event(kind=kind, project="hello", deployment="abc", data={
        "repository": "Codertocat/Hello-World", "commit_sha": sha, "state": kind.split(".")[1],
        "url": "http://hello-abc.localhost:8080", **data})


async def test_commit_status_follows_the_deployment() -> None:
    github = FakeGitHub()
    with standin(github) as remote:
        config = {"token": "ghp_test", "api_url": remote.url}
        await GitHubNotifier(TO_STANDINS).send(event("deployment.created"), config)
        await GitHubNotifier(TO_STANDINS).send(event("deployment.ready"), config)
    assert [status["state"] for status in github.statuses] == ["pending", "success"]
    assert github.statuses[1]["target_url"] == "http://hello-abc.localhost:8080"
    assert github.statuses[1]["context"] == "autostack/hello"
    assert github.comments == {}  # not a pull request


async def test_the_pull_request_comment_is_edited_in_place() -> None:
    github = FakeGitHub()
    pr = {"pull_request": 2, "pull_request_url": "http://hello-pr-2.localhost:8080"}
    with standin(github) as remote:
        config = {"token": "ghp_test", "api_url": remote.url}
        await GitHubNotifier(TO_STANDINS).send(event("deployment.ready", **pr), config)
        await GitHubNotifier(TO_STANDINS).send(event("deployment.ready", **pr, url="http://hello-def.x"),
                                    config)
    [comment] = github.comments.values()
    assert "http://hello-pr-2.localhost:8080" in comment["body"]
    methods = [(r.method, r.path.split("?")[0].rsplit("/", 2)[-2:]) for r in remote.requests
               if "comments" in r.path]
    assert [method for method, _ in methods] == ["GET", "POST", "GET", "PATCH"]


async def test_a_failed_deployment_is_a_failure_status() -> None:
    github = FakeGitHub()
    with standin(github) as remote:
        await GitHubNotifier(TO_STANDINS).send(event("deployment.error"),
                                    {"token": "ghp_test", "api_url": remote.url})
    assert github.statuses[0]["state"] == "failure"


async def test_an_api_url_on_the_servers_own_network_is_refused_at_send_time() -> None:
    github = FakeGitHub()
    with standin(github) as remote, pytest.raises(SSRFGuardError, match="Loopback"):
        await GitHubNotifier(Outbound()).send(event("deployment.created"),
                                              {"token": "ghp_test", "api_url": remote.url})
    assert remote.requests == [] and github.statuses == []
