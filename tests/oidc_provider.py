"""A real OpenID Connect provider on the loopback for the single sign-on tests.

PyPI's ``oidc-provider-mock`` (a Flask app on authlib), run on a thread at
``http://localhost:<port>``: discovery, JWKS, an authorization form that signs
in whichever subject is posted, the token endpoint and RS256-signed ID tokens
carrying the claims :func:`person` gives a subject. Nonces are required.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

with warnings.catch_warnings():
    # The provider (0.3.4) imports authlib.jose and authlib's httpx client, which authlib
    # 1.9 deprecates (for joserfc and httpx2); AutoStack's own code uses neither.
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    import oidc_provider_mock

PROVIDER_WARNINGS = pytest.mark.filterwarnings(
    # Raised inside the provider's thread by authlib, about the provider's own code.
    "ignore:get_jwt_config:DeprecationWarning")
"""Mark the tests that use :func:`issuer` with it."""


@pytest.fixture
def issuer() -> Iterator[str]:
    """The provider's issuer URL."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


async def person(issuer: str, sub: str, **claims: Any) -> None:
    """Tell the provider who ``sub`` is (their ID token's claims, e-mail verified)."""
    async with httpx.AsyncClient() as http:
        response = await http.put(f"{issuer}/users/{quote(sub)}",
                                  json={"email_verified": True, **claims})
    assert response.status_code == 204, response.text
