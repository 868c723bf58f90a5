"""The sign-in provider interface: who a person is, according to an OAuth 2 / OpenID provider.

A sign-in provider (GitHub, Google) is a plugin registered with
``register_sign_in_providers``. The core owns the flow, the same for every
provider: ``/auth/{name}/login`` asks :meth:`SignInProvider.client` for the
endpoints and credentials (``None``: not configured here, 404), builds the
authorization URL with a state, a PKCE (S256) challenge and
:meth:`SignInProvider.authorize_params`, and keeps them in a signed cookie;
``/auth/{name}/callback`` checks the state, exchanges the code at the token
endpoint, then asks :meth:`SignInProvider.identity` who signed in, and finds,
creates or links the user. A provider therefore says only where its endpoints
are and how to read a verified identity out of the token response. The login
and sign-up pages offer "Continue with <title>" for each provider whose
:meth:`SignInProvider.configured` is true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

    from autostack_core.config import Settings


class SignInError(Exception):
    """The sign-in cannot complete; the message is shown to the person."""


@dataclass(frozen=True)
class OAuthClient:
    """A configured provider's endpoints and credentials for one flow."""

    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    """The scope a sign-in asks; the least that yields a verified identity."""
    discovery: Mapping[str, Any] = field(default_factory=dict)
    """Whatever the provider fetched to build the client (an OpenID discovery document)."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in.

    ``email`` must be one the provider verified, or ``None``. ``account_id``
    is the provider's stable id of the account, for a provider whose accounts
    the core links by id (a row of ``user_identities`` with the provider's name
    as its host: GitHub's, shared with the git host ``github``); other
    providers' people are found by their verified email.
    """

    email: str | None
    name: str
    avatar_url: str | None = None
    account_id: str | None = None
    login: str | None = None


class SignInProvider(Protocol):
    """What the core calls on a sign-in provider; every member is used by the flow."""

    @property
    def name(self) -> str:
        """The ``{name}`` of ``/auth/{name}/login`` and ``/auth/{name}/callback``."""
        ...

    @property
    def title(self) -> str:
        """The provider's name as people write it (``Continue with Google``)."""
        ...

    def configured(self, settings: Settings) -> bool:
        """Whether the server has the provider's credentials (without asking the provider:
        it is called to draw the login page)."""
        ...

    async def client(self, settings: Settings, http: httpx.AsyncClient) -> OAuthClient | None:
        """The provider's client, or ``None`` when the server is not configured for it.

        Called at both ends of the flow. Raise :class:`SignInError` when the
        provider cannot be read (a discovery document that does not load).
        """
        ...

    def authorize_params(self, nonce: str) -> dict[str, str]:
        """Extra parameters of the authorization URL (OpenID Connect's ``nonce``), or ``{}``."""
        ...

    async def identity(
        self, settings: Settings, http: httpx.AsyncClient, client: OAuthClient,
        token: Mapping[str, Any], *, nonce: str, need_email: bool,
    ) -> Identity:
        """The verified identity of the token response ``token`` (it holds ``access_token``).

        ``nonce`` is the flow's (check it against an id_token's). ``need_email``
        is ``False`` when the person is already signed in and only grants
        access, so the token's scope may not cover reading the email. Raise
        :class:`SignInError` when the identity cannot be verified.
        """
        ...
