"""The git host interface: a host's webhook deliveries become one normalized :class:`GitEvent`,
and a host a person connects their account to lends its repositories to projects.

A git host (GitHub, GitLab, Bitbucket, Gitea) is a plugin registered with
``register_git_hosts``. The core serves ``POST /api/v1/webhooks/{name}`` for
every registered host and calls, in this order: :meth:`GitHost.has_signature`
(no signature: 401), :meth:`GitHost.parse` (the JSON object the body holds;
:class:`PayloadError` answers 400, an empty list 202), then
:meth:`GitHost.verify` once per project whose repository the events name, with
that project's secret, and :meth:`GitHost.delivery_id` to refuse redeliveries.
What an event then does (deploy, preview, remove an alias) is the core's
decision, the same for every host.

A host whose accounts people connect (GitHub) declares its OAuth app
(:meth:`GitHost.oauth_app`: where a person approves access, the token
endpoint, the scopes, the app's credentials) and who a token belongs to
(:meth:`GitHost.account`); the core runs the flow at ``/auth/{name}/connect``,
the same for every host. Such a host also lists a person's repositories,
checks one is theirs to read, sets up and deletes its webhook and says what a
clone sends (:meth:`GitHost.repositories` ... :meth:`GitHost.clone_for_deployment`).
Every host may say how a person adds its webhook by hand
(:meth:`GitHost.webhook_setup`), shown when AutoStack cannot create it. The
core keeps the rest, the same for every host: the person's sealed credential,
their linked account on the host (``user_identities``), which project is
connected to which repository by whom, and the rule that a credential goes to
the connected repository's URL and nowhere else.

Most hosts are data, not code: a :class:`WebhookFormat` names the headers and
holds the two functions (it connects no accounts), and the helpers of
:mod:`autostack_core.interfaces.git_events` (:func:`field`, :func:`branch_of`,
:func:`files_of`, :func:`matches_hmac`, ...) cover the shapes GitHub-like payloads
share; the event and the helpers are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from autostack_core.interfaces.git_events import (
    ZERO_SHA,
    EventKind,
    GitEvent,
    Headers,
    PayloadError,
    PullRequestAction,
    branch_of,
    field,
    files_of,
    matches_hmac,
    matches_token,
    optional,
    urls,
)

if TYPE_CHECKING:
    from autostack_core.config import Settings

__all__ = [
    "ZERO_SHA", "CloneCredential", "EventKind", "GitEvent", "GitHost", "GitHostError",
    "Headers", "HostAccount", "OAuthApp", "Parser", "PayloadError", "PullRequestAction",
    "Repository", "Verifier", "WebhookFormat", "WebhookSetup", "branch_of", "field",
    "files_of", "matches_hmac", "matches_token", "optional", "urls",
]

class GitHostError(Exception):
    """The host refused or could not be reached; ``message`` is shown to the user.

    ``status`` is the HTTP status the host answered (404: no such repository, or
    the credential cannot read it; 502 for a host that could not be reached).
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Repository:
    """A repository as a host lists it; ``full_name`` is how the host names it (``owner/name``)."""

    full_name: str
    private: bool
    clone_url: str
    html_url: str = ""
    default_branch: str = "main"
    description: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name, "private": self.private, "clone_url": self.clone_url,
            "html_url": self.html_url, "default_branch": self.default_branch,
            "description": self.description, "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class OAuthApp:
    """A git host's OAuth 2 app: how a person grants AutoStack access to their repositories.

    The core sends the browser to ``authorize_url`` asking ``scopes`` (with a
    state and a PKCE challenge), takes the code back at ``/auth/{name}/callback``,
    trades it at ``token_url`` (``client_secret_post``) and stores the access token
    sealed as the person's credential on the host. ``client_id`` and
    ``client_secret`` are the server admin's registration of the app on the host;
    ``None`` while it is not configured, and ``configure`` then tells the admin
    what to set (the flow answers with it).
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    client_id: str | None
    client_secret: str | None
    configure: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


@dataclass(frozen=True)
class HostAccount:
    """Who an access token belongs to on a git host: its stable id there, and its login."""

    external_id: str
    login: str
    avatar_url: str | None = None


@dataclass(frozen=True)
class CloneCredential:
    """What git sends to the repository's URL (HTTP Basic), and nowhere else."""

    username: str
    password: str


@dataclass(frozen=True)
class WebhookSetup:
    """How a person adds the repository webhook by hand on a host, in the host's own words.

    The dashboard and ``GET /api/v1/projects/{name}/webhook`` show it when AutoStack
    cannot create the webhook itself (the host connects no accounts, or the
    credential may not manage the repository's webhooks). The core fills in the
    values it owns: the webhook URL (labelled ``url_label``) and the project's
    secret (``secret_label``); ``fields`` are the host's other form fields, as
    ``(label, value)`` pairs, in the order the host's form asks them.
    """

    title: str
    """The host's name as people write it (``GitLab``, ``Gitea / Forgejo``)."""
    where: str
    """Where the form is, like ``Repository → Settings → Webhooks → Add webhook``."""
    url_label: str
    secret_label: str
    fields: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "where": self.where, "url_label": self.url_label,
                "secret_label": self.secret_label,
                "fields": [{"label": label, "value": value} for label, value in self.fields]}


class GitHost(Protocol):
    """What the core calls on a git host.

    The webhook route calls the first six members. The others serve connecting
    a repository with a person's own access: ``/auth/{name}/connect`` reads
    :meth:`oauth_app` and :meth:`account`, the API and the dashboard list
    repositories and connect one, and every clone of a connected project asks
    :meth:`repository_of` and :meth:`clone_for_deployment`. A host that connects
    no accounts answers ``None`` from :meth:`oauth_app`, names no repository in
    :meth:`repository_of` and raises :class:`GitHostError` from the rest.
    """

    @property
    def name(self) -> str:
        """The path segment of ``/api/v1/webhooks/{name}`` and :attr:`GitEvent.provider`."""
        ...

    @property
    def signature_headers(self) -> tuple[str, ...]:
        """Headers carrying the signature; the first is named in an unsigned delivery's 401."""
        ...

    def has_signature(self, headers: Headers) -> bool:
        """Whether the delivery is signed at all (checked before the body is read)."""
        ...

    def delivery_id(self, headers: Headers) -> str | None:
        """The host's id of this delivery (a redelivery repeats it), if it sends one."""
        ...

    def verify(self, headers: Headers, body: bytes, secret: str) -> bool:
        """Whether ``body`` was signed with ``secret``; compare in constant time."""
        ...

    def parse(self, headers: Headers, payload: Any) -> list[GitEvent]:
        """The events of a delivery whose body is the JSON object ``payload``.

        Return ``[]`` for events AutoStack does not act on; raise
        :class:`PayloadError` (or ``TypeError``/``ValueError``) for a payload
        that lacks what its event type must have.
        """
        ...

    @property
    def title(self) -> str:
        """The host's name as people write it (``GitHub``), for the dashboard."""
        ...

    def oauth_app(self, settings: Settings) -> OAuthApp | None:
        """The host's OAuth app for connecting a person's account, or ``None`` when the host
        connects no accounts (its repositories are cloned without credentials).

        Called when the dashboard lists the hosts to import from and at both ends
        of ``/auth/{name}/connect``; read the app's credentials from ``settings``
        (:meth:`~autostack_core.config.Settings.plugin_setting`), and leave them
        ``None`` when the admin has not set them.
        """
        ...

    async def account(self, settings: Settings, credential: str) -> HostAccount:
        """The account ``credential`` (a token the OAuth app just granted) belongs to.

        The core links it to the person (one AutoStack user per host account);
        raise :class:`GitHostError` when the host cannot say.
        """
        ...

    def repository_of(self, settings: Settings, url: str) -> str | None:
        """The repository ``url`` names on this host (``owner/name``), else ``None``.

        ``None`` for another host's URL and for one that names no repository
        exactly (user info, a query, a deeper path): the core sends a credential
        only to a URL for which this names the connected repository.
        """
        ...

    async def repositories(self, settings: Settings, credential: str,
                           limit: int) -> list[Repository]:
        """Up to ``limit`` repositories ``credential`` can read, most recently updated first."""
        ...

    async def repository(self, settings: Settings, credential: str, name: str) -> Repository:
        """The repository ``name``, asked with ``credential``: :class:`GitHostError` 404
        when it does not exist or ``credential`` cannot read it (connecting checks this)."""
        ...

    async def ensure_webhook(self, settings: Settings, credential: str, repository: str,
                             url: str, secret: str) -> dict[str, Any]:
        """Create the repository's webhook to ``url`` signed with ``secret``, or update the one
        already there (connecting again must not add a second). Returns what the API shows
        (``id``, ``url``, ``active``, ``events``, ``last_response``)."""
        ...

    async def delete_webhook(self, settings: Settings, credential: str, repository: str,
                             webhook_id: str) -> None:
        """Delete the webhook ``webhook_id`` (the ``id`` :meth:`ensure_webhook` returned) of
        ``repository``; one already gone is not an error. Called when the project is deleted
        or its repository unlinked; a :class:`GitHostError` is shown, and nothing else undone."""
        ...

    def webhook_setup(self, settings: Settings) -> WebhookSetup | None:
        """How a person adds this host's webhook by hand, or ``None`` if the host has no
        webhook form. Shown when :meth:`ensure_webhook` cannot run or the host refuses it."""
        ...

    def clone_as_user(self, credential: str) -> CloneCredential:
        """What git sends for a person's own request (detecting a repository before import)."""
        ...

    async def clone_for_deployment(self, settings: Settings, repository: str,
                                   credential: str) -> CloneCredential:
        """What a deployment's clone of the connected ``repository`` sends, given the
        connecting person's ``credential``: that credential, or one the host trades it for
        that reads ``repository`` alone (a GitHub App's installation token)."""
        ...


Verifier = Callable[[Headers, bytes, str], bool]
Parser = Callable[[Headers, Any], list[GitEvent]]


@dataclass(frozen=True)
class WebhookFormat:
    """A :class:`GitHost` as data: the headers it signs and identifies with, and two functions."""

    name: str
    signature_headers: tuple[str, ...]
    delivery_headers: tuple[str, ...]
    verify: Verifier
    parse: Parser
    setup: WebhookSetup | None = None
    """What :meth:`webhook_setup` answers."""

    def has_signature(self, headers: Headers) -> bool:
        return any(headers.get(name) for name in self.signature_headers)

    def delivery_id(self, headers: Headers) -> str | None:
        return next((headers[name] for name in self.delivery_headers if headers.get(name)), None)

    # A format connects no accounts: it names no repository and refuses the rest.

    @property
    def title(self) -> str:
        return self.name

    def oauth_app(self, settings: Settings) -> OAuthApp | None:
        return None

    async def account(self, settings: Settings, credential: str) -> HostAccount:
        raise self._unsupported()

    def repository_of(self, settings: Settings, url: str) -> str | None:
        return None

    def _unsupported(self) -> GitHostError:
        return GitHostError(501, f"{self.name} does not connect accounts: its repositories "
                                 "are cloned without credentials")

    async def repositories(self, settings: Settings, credential: str,
                           limit: int) -> list[Repository]:
        raise self._unsupported()

    async def repository(self, settings: Settings, credential: str, name: str) -> Repository:
        raise self._unsupported()

    async def ensure_webhook(self, settings: Settings, credential: str, repository: str,
                             url: str, secret: str) -> dict[str, Any]:
        raise self._unsupported()

    async def delete_webhook(self, settings: Settings, credential: str, repository: str,
                             webhook_id: str) -> None:
        raise self._unsupported()

    def webhook_setup(self, settings: Settings) -> WebhookSetup | None:
        return self.setup

    def clone_as_user(self, credential: str) -> CloneCredential:
        raise self._unsupported()

    async def clone_for_deployment(self, settings: Settings, repository: str,
                                   credential: str) -> CloneCredential:
        raise self._unsupported()
