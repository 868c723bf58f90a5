"""OpenID Connect for any issuer: its discovery document and its ID tokens, verified.

:func:`discover` reads ``{issuer}/.well-known/openid-configuration`` and checks
that it names the same issuer (OpenID Connect Discovery 1.0, section 4.3);
:func:`verify_id_token` checks an ID token's signature against the keys at the
document's ``jwks_uri`` (joserfc), then its issuer, audience, expiry and the
flow's nonce. The caller passes the HTTP client: team single sign-on passes
one that keeps to the outbound allow-list
(:class:`autostack_core.security.outbound.Outbound`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import ssrfguard
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from autostack_core.interfaces.sign_in import SignInError

ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
LEEWAY_SECONDS = 60
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    """The JSON at ``url``, or :class:`SignInError` naming why not."""
    try:
        response = await http.get(url)
        response.raise_for_status()
        return response.json()
    except ssrfguard.SSRFGuardError as error:
        raise SignInError(f"the identity provider at {url} is not reachable from this server "
                          f"({error}); an operator can allow it with "
                          "AUTOSTACK_OUTBOUND_ALLOW") from error
    except (httpx.HTTPError, ValueError) as error:
        raise SignInError(f"the identity provider could not be read at {url} ({error})") \
            from error


async def discover(http: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, checked for the endpoints a sign-in needs."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    document = await get_json(http, url)
    if not isinstance(document, dict):
        raise SignInError(f"{url} is not a JSON object")
    missing = [name for name in REQUIRED if not isinstance(document.get(name), str)]
    if missing:
        raise SignInError(f"{url} lacks {', '.join(missing)}")
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise SignInError(f"{url} names another issuer ({document['issuer']})")
    return document


async def verify_id_token(http: httpx.AsyncClient, discovery: Mapping[str, Any],
                          id_token: str, *, client_id: str, nonce: str) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature, issuer, audience, expiry and nonce
    check out; :class:`SignInError` otherwise."""
    jwks = await get_json(http, str(discovery["jwks_uri"]))
    try:
        decoded = jwt.decode(id_token, KeySet.import_key_set(jwks),
                             algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": str(discovery["issuer"])},
            aud={"essential": True, "value": client_id},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True}, exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SignInError(f"the identity provider's ID token did not verify: {error}") \
            from error
    return dict(decoded.claims)
