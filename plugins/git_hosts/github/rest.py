"""A small GitHub REST client: the token's user, their repositories, repository webhooks,
and a GitHub App's installation tokens.

GitHub's errors become :class:`autostack_core.interfaces.git_host.GitHostError`
(the status GitHub answered, a message for the user), as the git host
interface asks.

It speaks the documented REST shapes (https://docs.github.com/rest) at
``AUTOSTACK_GITHUB_API_URL`` (:mod:`.config`), so GitHub Enterprise Server works
the same way.
Pages are followed through the ``Link`` header, and only on the API's own host:
a ``next`` link elsewhere would receive the token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from autostack_core import __version__
from autostack_core.interfaces.git_host import GitHostError, Repository

TIMEOUT_SECONDS = 15
PAGE_SIZE = 100
MAX_REPOSITORIES = 1000
WEBHOOK_EVENTS = ("push", "pull_request", "delete")
"""Pushes deploy, pull requests preview, deleted branches lose their alias."""
APP_JWT_SECONDS = 540
"""A GitHub App's JWT lives at most 10 minutes; this leaves room for clock drift."""


def repository_from(data: dict[str, Any]) -> Repository:
    """A repository as ``GET /repos/{owner}/{name}`` and ``GET /user/repos`` describe it."""
    return Repository(
        full_name=str(data["full_name"]), private=bool(data.get("private")),
        clone_url=str(data["clone_url"]), html_url=str(data.get("html_url") or ""),
        default_branch=str(data.get("default_branch") or "main"),
        description=str(data.get("description") or ""),
        updated_at=str(data.get("updated_at") or ""),
    )


@dataclass(frozen=True)
class Webhook:
    """A repository webhook as GitHub reports it, with its last delivery's result."""

    id: int
    url: str
    active: bool
    events: tuple[str, ...]
    last_response: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Webhook:
        return cls(
            id=int(data["id"]), url=str((data.get("config") or {}).get("url") or ""),
            active=bool(data.get("active")), events=tuple(data.get("events") or ()),
            last_response=dict(data.get("last_response") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "active": self.active,
                "events": list(self.events), "last_response": self.last_response}


def same_host(url: str, base: str) -> bool:
    """Whether ``url`` is on ``base``'s host and port (a page link the token may follow)."""
    return urlsplit(url).netloc == urlsplit(base).netloc


def repository_path(full_name: str) -> str:
    """``/repos/owner/name`` for ``owner/name``; anything else is refused."""
    owner, _, name = full_name.partition("/")
    if not owner or not name or "/" in name or full_name.startswith("."):
        raise GitHostError(422, f"repository must be owner/name (got {full_name[:100]!r})")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


class GitHub:
    """One user's view of GitHub, authenticated by their OAuth token.

    Use as ``async with GitHub(api_url, token) as github: ...``.
    """

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.api_url, timeout=TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28",
                     "User-Agent": f"AutoStack/{__version__}"},
        )

    async def __aenter__(self) -> GitHub:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise GitHostError(502, f"GitHub could not be reached: {error}") from error
        if response.status_code >= 400:
            try:
                message = str(response.json().get("message") or response.reason_phrase)
            except ValueError:
                message = response.reason_phrase
            raise GitHostError(response.status_code, f"GitHub answered {response.status_code}: "
                                                    f"{message}")
        return response

    async def _pages(self, path: str, limit: int) -> list[dict[str, Any]]:
        """Every item of a paginated list, following ``Link: rel="next"``, up to ``limit``."""
        items: list[dict[str, Any]] = []
        url: str | None = path
        while url is not None and len(items) < limit:
            response = await self._request("GET", url)
            items.extend(response.json())
            following = response.links.get("next", {}).get("url")
            url = following if following and same_host(following, self.api_url) else None
        return items[:limit]

    async def user(self) -> dict[str, Any]:
        """The token's user (``GET /user``): ``id``, ``login``, ``name``, ``avatar_url``."""
        data: dict[str, Any] = (await self._request("GET", "/user")).json()
        return data

    async def verified_primary_email(self) -> str | None:
        """The user's primary email if GitHub verified it (``GET /user/emails``)."""
        emails = await self._pages(f"/user/emails?per_page={PAGE_SIZE}", 100)
        for email in emails:
            if email.get("primary") and email.get("verified"):
                return str(email["email"])
        return None

    async def repositories(self, limit: int = MAX_REPOSITORIES) -> list[Repository]:
        """Repositories the user owns, collaborates on or sees through an organization."""
        items = await self._pages(
            f"/user/repos?per_page={PAGE_SIZE}&sort=updated"
            "&affiliation=owner,collaborator,organization_member", limit,
        )
        return [repository_from(item) for item in items]

    async def repository(self, full_name: str) -> Repository:
        response = await self._request("GET", repository_path(full_name))
        return repository_from(response.json())

    async def installation_of(self, full_name: str) -> int:
        """The id of the GitHub App's installation that covers ``full_name`` (as the App)."""
        response = await self._request("GET", f"{repository_path(full_name)}/installation")
        return int(response.json()["id"])

    async def repository_token(self, installation: int, full_name: str) -> str:
        """An installation token for ``full_name`` alone, reading contents only (as the App)."""
        repository_path(full_name)
        response = await self._request(
            "POST", f"/app/installations/{installation}/access_tokens",
            json={"repositories": [full_name.partition("/")[2]],
                  "permissions": {"contents": "read"}})
        return str(response.json()["token"])

    async def webhooks(self, full_name: str) -> list[Webhook]:
        items = await self._pages(f"{repository_path(full_name)}/hooks?per_page={PAGE_SIZE}", 300)
        return [Webhook.from_json(item) for item in items]

    async def ensure_webhook(self, full_name: str, url: str, secret: str) -> Webhook:
        """Create the repository webhook to ``url``, or update the one already there.

        Updating (rather than adding a second hook) keeps reconnecting idempotent
        and puts a rotated secret in place.
        """
        config = {"url": url, "content_type": "json", "secret": secret, "insecure_ssl": "0"}
        body = {"name": "web", "active": True, "events": list(WEBHOOK_EVENTS), "config": config}
        hooks = repository_path(full_name) + "/hooks"
        existing = next((hook for hook in await self.webhooks(full_name) if hook.url == url),
                        None)
        if existing is None:
            response = await self._request("POST", hooks, json=body)
        else:
            response = await self._request("PATCH", f"{hooks}/{existing.id}", json=body)
        return Webhook.from_json(response.json())

    async def delete_webhook(self, full_name: str, webhook_id: str) -> None:
        """``DELETE /repos/{owner}/{repo}/hooks/{id}``; a hook already gone (404) is fine."""
        if not webhook_id.isdigit():
            raise GitHostError(422, f"a GitHub webhook id is a number (got {webhook_id[:40]!r})")
        try:
            await self._request("DELETE", f"{repository_path(full_name)}/hooks/{webhook_id}")
        except GitHostError as error:
            if error.status != 404:
                raise


def app_jwt(app_id: str, private_key_pem: str, now: float | None = None) -> str:
    """The JWT a GitHub App authenticates as itself with (RS256, issued by its id)."""
    issued = int(now if now is not None else time.time()) - 60  # GitHub's clock may lag
    key = RSAKey.import_key(private_key_pem)
    return jwt.encode({"alg": "RS256"}, {"iat": issued, "exp": issued + APP_JWT_SECONDS,
                                         "iss": app_id}, key)


async def installation_token(api_url: str, app_id: str, private_key_pem: str,
                             full_name: str) -> str:
    """A one-hour token of the GitHub App's installation on ``full_name``, for it alone.

    GitHub narrows the token to the one repository and to reading its contents
    (``POST /app/installations/{id}/access_tokens`` with ``repositories`` and
    ``permissions``), whatever else the installation may reach.
    """
    async with GitHub(api_url, app_jwt(app_id, private_key_pem)) as app:
        installation = await app.installation_of(full_name)
        return await app.repository_token(installation, full_name)
