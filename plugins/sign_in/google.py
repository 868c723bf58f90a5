"""Sign in with Google (OpenID Connect), when ``AUTOSTACK_GOOGLE_CLIENT_ID`` and its secret are set.

The endpoints come from the discovery document at ``AUTOSTACK_GOOGLE_DISCOVERY_URL``
(Google's own by default). The id_token is verified as any OpenID Connect
provider's (:func:`autostack_core.security.oidc.verify_id_token`: the keys at
its ``jwks_uri``, issuer, audience, expiry and the flow's nonce). Only an email
Google verified signs anyone in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.sign_in import Identity, OAuthClient, SignInError, SignInProvider
from autostack_core.security.oidc import get_json, verify_id_token

SCOPE = "openid email profile"
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
        discovery = await get_json(http, settings.plugin_setting(DISCOVERY_URL)
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
        claims = await verify_id_token(http, client.discovery, str(token.get("id_token") or ""),
                                       client_id=client.client_id, nonce=nonce)
        if claims.get("email_verified") is not True or not claims.get("email"):
            raise SignInError("Google did not confirm a verified email for this account")
        return Identity(email=str(claims["email"]), name=str(claims.get("name") or ""),
                        avatar_url=claims.get("picture"))


@hookimpl
def register_sign_in_providers(settings: Settings) -> list[SignInProvider]:
    return [GoogleSignIn()]
