"""Webhook payloads for tests: GitHub's from ``@octokit/webhooks-examples``, the others
from ``tests/fixtures/webhooks/`` (each host's documented samples), and signing helpers.

The npm package is fetched once with ``npm pack`` into ``tests/.cache/`` (git-ignored).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import subprocess
import tarfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.infrastructure.models import Project, Team, User

OCTOKIT_PACKAGE = "@octokit/webhooks-examples@7.6.1"
CACHE = Path(__file__).parent / ".cache"
FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "test-webhook-secret-0123456789"


def octokit_examples() -> dict[str, list[dict[str, Any]]]:
    """GitHub's example payloads by event name (``push``, ``pull_request``, ...)."""
    index = CACHE / "octokit-webhooks-examples" / "api.github.com" / "index.json"
    if not index.exists():
        CACHE.mkdir(exist_ok=True)
        packed = subprocess.run(
            ["npm", "pack", OCTOKIT_PACKAGE, "--pack-destination", str(CACHE), "--silent"],
            check=True, capture_output=True, text=True, timeout=300,
        ).stdout.strip().splitlines()[-1]
        with tarfile.open(CACHE / packed) as archive:
            member = archive.extractfile("package/api.github.com/index.json")
            assert member is not None
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_bytes(member.read())
        (CACHE / packed).unlink()
    return {entry["name"]: entry["examples"] for entry in json.loads(index.read_text())}


@pytest.fixture(scope="session")
def octokit() -> dict[str, list[dict[str, Any]]]:
    return octokit_examples()


def github_example(octokit: dict[str, list[dict[str, Any]]], event: str,
                   **match: Any) -> dict[str, Any]:
    """A deep copy of the first example of ``event`` whose top-level fields match."""
    for example in octokit[event]:
        if all(example.get(key) == value for key, value in match.items()):
            return copy.deepcopy(example)
    raise LookupError(f"no {event} example with {match}")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def hex_hmac(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_headers(event: str, body: bytes, secret: str = SECRET,
                   delivery: str | None = None) -> dict[str, str]:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": "sha256=" + hex_hmac(body, secret),
            "Content-Type": "application/json"}


def gitlab_headers(event: str, secret: str = SECRET,
                   delivery: str | None = None) -> dict[str, str]:
    return {"X-Gitlab-Event": event, "X-Gitlab-Token": secret,
            "X-Gitlab-Event-UUID": delivery or str(uuid.uuid4()),
            "Content-Type": "application/json"}


def bitbucket_headers(event: str, body: bytes, secret: str = SECRET,
                      delivery: str | None = None) -> dict[str, str]:
    return {"X-Event-Key": event, "X-Request-UUID": delivery or str(uuid.uuid4()),
            "X-Hub-Signature": "sha256=" + hex_hmac(body, secret),
            "Content-Type": "application/json"}


def gitea_headers(event: str, body: bytes, secret: str = SECRET,
                  delivery: str | None = None) -> dict[str, str]:
    return {"X-Gitea-Event": event, "X-Gitea-Delivery": delivery or str(uuid.uuid4()),
            "X-Gitea-Signature": hex_hmac(body, secret), "Content-Type": "application/json"}


async def git_project(owner: User, name: str, git_url: str, *, branch: str = "main",
                      secret: str | None = SECRET, **fields: Any) -> Project:
    """A project on ``git_url`` with the test webhook secret."""
    team = await Team.get(owner=owner, is_personal=True)
    project = Project(team=team, user=owner, name=name, git_url=git_url, branch=branch,
                      **fields)
    project.webhook_secret = secret
    await project.save()
    return project


async def post_webhook(http: httpx.AsyncClient, provider: str, body: bytes,
                       headers: dict[str, str]) -> httpx.Response:
    return await http.post(f"/api/v1/webhooks/{provider}", content=body, headers=headers)
