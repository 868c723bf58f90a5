"""Sign in with Google (OpenID Connect), when ``AUTOSTACK_GOOGLE_CLIENT_ID`` and its secret are set.

The endpoints come from the discovery document at ``AUTOSTACK_GOOGLE_DISCOVERY_URL``
(Google's own by default).
joserfc verifies the id_token against the keys at its ``jwks_uri``: issuer,
audience, expiry and the flow's nonce. Only an email Google verified signs
anyone in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.sign_in import Identity, OAuthClient, SignInError, SignInProvider

SCOPE = "openid email profile"
ID_TOKEN_ALGORITHMS = ["RS256", "ES256"]
CLIENT_ID, CLIENT_SECRET = "AUTOSTACK_GOOGLE_CLIENT_ID", "AUTOSTACK_GOOGLE_CLIENT_SECRET"
DISCOVERY_URL = "AUTOSTACK_GOOGLE_DISCOVERY_URL"
GOOGLE_DISCOVERY = "https://accounts.google.com/.well-known/openid-configuration"


class GoogleSignIn:
    name = "google"
    title = "Google"

    def configured(self, settings: Settings) -> bool:
        return bool(settings.plugin_setting(CLIENT_ID) and settings.plugin_setting(CLIENT_SECRET))

    async def client(self, settings: Settings, http: httpx.AsyncClient) -> OAuthClient | None:
        client_id = settings.plugin_setting(CLIENT_ID)
        secret = settings.plugin_setting(CLIENT_SECRET)
        if not (client_id and secret):
            return None
        discovery = await _get_json(http, settings.plugin_setting(DISCOVERY_URL)
                                    or GOOGLE_DISCOVERY)
        if not isinstance(discovery, dict):
            raise SignInError("the Google discovery document is not a JSON object")
        return OAuthClient(client_id, secret,
                           str(discovery["authorization_endpoint"]),
                           str(discovery["token_endpoint"]), SCOPE, discovery)

    def authorize_params(self, nonce: str) -> dict[str, str]:
        return {"nonce": nonce}

    async def identity(
        self, settings: Settings, http: httpx.AsyncClient, client: OAuthClient,
        token: Mapping[str, Any], *, nonce: str, need_email: bool,
    ) -> Identity:
        jwks = await _get_json(http, str(client.discovery["jwks_uri"]))
        try:
            decoded = jwt.decode(str(token.get("id_token") or ""), KeySet.import_key_set(jwks),
                                 algorithms=ID_TOKEN_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": str(client.discovery["issuer"])},
                aud={"essential": True, "value": client.client_id},
                nonce={"essential": True, "value": nonce},
                sub={"essential": True}, exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as error:
            raise SignInError(f"Google's id_token did not verify: {error}") from error
        claims = decoded.claims
        if claims.get("email_verified") is not True or not claims.get("email"):
            raise SignInError("Google did not confirm a verified email for this account")
        return Identity(email=str(claims["email"]), name=str(claims.get("name") or ""),
                        avatar_url=claims.get("picture"))


async def _get_json(http: httpx.AsyncClient, url: str) -> Any:
    try:
        response = await http.get(url)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise SignInError(f"the identity provider could not be read ({error})") from error


@hookimpl
def register_sign_in_providers(settings: Settings) -> list[SignInProvider]:
    return [GoogleSignIn()]
