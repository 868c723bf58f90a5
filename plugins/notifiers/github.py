"""GitHub: a commit status on the deployed commit and one pull-request comment.

Config: ``token`` (sealed; needs ``repo:status`` and pull-request write),
``repository`` (``owner/name``; the project's GitHub repository by default) and
``api_url`` (``https://api.github.com``; GitHub Enterprise has its own).
The comment carries a hidden marker per project, so later pushes edit it in
place instead of adding comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound

from . import messages

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT_SECONDS = 15
STATES = {
    "deployment.created": "pending",
    "deployment.building": "pending",
    "deployment.ready": "success",
    "deployment.error": "failure",
    "deployment.canceled": "error",
}


def marker(project: str) -> str:
    return f"<!-- autostack:{project} -->"


def comment_body(event: Event) -> str:
    data = event.data
    preview = data.get("pull_request_url") or data.get("url")
    lines = [marker(event.project), f"**{event.project}** is deployed by AutoStack.", "",
             "| Preview | Commit | State |", "| --- | --- | --- |",
             f"| {preview} | `{str(data.get('commit_sha') or '')[:7]}` | {data.get('state')} |"]
    return "\n".join(lines)


class GitHubNotifier:
    name = "github"

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    def destinations(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {"api_url": str(config["api_url"])} if config.get("api_url") else {}

    async def send(self, event: Event, config: Mapping[str, Any]) -> None:
        repository = config.get("repository") or event.data.get("repository")
        if not repository:
            raise ValueError("the github notifier needs a repository (owner/name)")
        headers = {"Authorization": f"Bearer {config['token']}",
                   "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28"}
        base = str(config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        async with self.outbound.client(base_url=f"{base}/repos/{repository}/",
                                        headers=headers, timeout=TIMEOUT_SECONDS) as http:
            if event.kind in STATES and event.data.get("commit_sha"):
                await self.commit_status(http, event)
            if event.kind == "deployment.ready" and event.data.get("pull_request") is not None:
                await self.pull_request_comment(http, event)

    async def commit_status(self, http: httpx.AsyncClient, event: Event) -> None:
        response = await http.post(f"statuses/{event.data['commit_sha']}", json={
            "state": STATES[event.kind], "target_url": event.data.get("url"),
            "description": messages.title(event)[:140], "context": f"autostack/{event.project}",
        })
        response.raise_for_status()

    async def pull_request_comment(self, http: httpx.AsyncClient, event: Event) -> None:
        """Create the project's comment on the pull request, or edit it if it exists."""
        number = event.data["pull_request"]
        existing = await self.find_comment(http, number, marker(event.project))
        body = {"body": comment_body(event)}
        if existing is None:
            response = await http.post(f"issues/{number}/comments", json=body)
        else:
            response = await http.patch(f"issues/comments/{existing}", json=body)
        response.raise_for_status()

    async def find_comment(self, http: httpx.AsyncClient, number: int, mark: str) -> int | None:
        url: str | None = f"issues/{number}/comments?per_page=100"
        while url:
            response = await http.get(url)
            response.raise_for_status()
            for comment in response.json():
                if mark in (comment.get("body") or ""):
                    return int(comment["id"])
            url = response.links.get("next", {}).get("url")
        return None


@hookimpl
def register_notifiers(settings: Settings) -> list[GitHubNotifier]:
    return [GitHubNotifier(Outbound.from_settings(settings))]
