"""A small ACME client (RFC 8555): an account, an order, DNS-01 answers, the chain.

Only what the base domain's wildcard certificate needs
(:mod:`autostack_plugins.providers.local.wildcard_certificate`); Caddy does every other
certificate itself. Why not certbot's ``acme`` package: it is synchronous
(requests, pyOpenSSL), while this runs on the control plane's event loop,
and httpx, joserfc and cryptography are already dependencies.

Every request is a JWS signed with the account key (ES256): the first with
the key itself (``jwk``), later ones with the account URL (``kid``). Reads
are POST-as-GET (an empty payload). A ``badNonce`` answer is retried with the
fresh nonce it carries, as the RFC asks.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jws
from joserfc.jwk import ECKey
from joserfc.registry import HeaderParameter

JSON = dict[str, Any]

PROBLEM = "urn:ietf:params:acme:error:"
BAD_NONCE_RETRIES = 5
POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 10.0
REQUEST_SECONDS = 30.0
# ACME adds two protected header parameters to those JWS knows.
REGISTRY = jws.JWSRegistry(header_registry={
    "nonce": HeaderParameter("ACME anti-replay nonce", "str", True),
    "url": HeaderParameter("ACME request URL", "str", True),
}, algorithms=["ES256"])


class AcmeError(RuntimeError):
    """The CA refused or failed something: its problem document, in one line."""

    def __init__(self, message: str, problem_type: str = "") -> None:
        super().__init__(message)
        self.problem_type = problem_type

    @classmethod
    def from_problem(cls, problem: Any, context: str) -> AcmeError:
        """``context: detail (type)``, with the subproblems of each identifier."""
        if not isinstance(problem, dict):
            return cls(f"{context}: {problem}")
        kind = str(problem.get("type", "")).removeprefix(PROBLEM)
        parts = [str(problem.get("detail") or kind or "unknown error")]
        for sub in problem.get("subproblems") or []:
            value = (sub.get("identifier") or {}).get("value", "?")
            parts.append(f"{value}: {sub.get('detail', sub.get('type', ''))}")
        suffix = f" ({kind})" if kind else ""
        return cls(f"{context}: {'; '.join(parts)}{suffix}", kind)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def dns01_value(token: str, account_key: ECKey) -> str:
    """The TXT value answering a DNS-01 challenge: the digest of the key authorization."""
    key_authorization = f"{token}.{account_key.thumbprint()}"
    return b64url(hashlib.sha256(key_authorization.encode("ascii")).digest())


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait before polling again (the CA's ``Retry-After`` when it says)."""
    try:
        seconds = float(response.headers.get("retry-after", POLL_SECONDS))
    except ValueError:
        seconds = POLL_SECONDS
    return min(max(seconds, 0.1), MAX_POLL_SECONDS)


@dataclass
class Challenge:
    """One pending DNS-01 challenge: the name to put ``value`` at, and where to answer."""

    domain: str
    value: str
    url: str
    authorization: str

    @property
    def record_name(self) -> str:
        return f"_acme-challenge.{self.domain}"


class AcmeClient:
    """One account on one ACME directory; use as ``async with``."""

    def __init__(self, directory_url: str, account_key: ECKey,
                 verify: ssl.SSLContext | bool = True, email: str | None = None) -> None:
        self.directory_url = directory_url
        self.account_key = account_key
        self.email = email
        self.account_url: str | None = None
        self._directory: JSON = {}
        self._nonce: str | None = None
        self._http = httpx.AsyncClient(verify=verify, timeout=REQUEST_SECONDS,
                                       headers={"User-Agent": "autostack-acme"})

    async def __aenter__(self) -> AcmeClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    # -- transport ------------------------------------------------------------

    async def directory(self) -> JSON:
        if not self._directory:
            response = await self._http.get(self.directory_url)
            if response.status_code != 200:
                raise AcmeError(f"ACME directory {self.directory_url} answered "
                                f"{response.status_code}")
            self._directory = response.json()
        return self._directory

    async def _fresh_nonce(self) -> str:
        response = await self._http.head((await self.directory())["newNonce"])
        nonce = response.headers.get("replay-nonce")
        if not nonce:
            raise AcmeError("the ACME server gave no Replay-Nonce")
        return str(nonce)

    def _sign(self, url: str, payload: JSON | None, nonce: str) -> str:
        """The flattened JWS JSON body of a request to ``url``."""
        protected: JSON = {"alg": "ES256", "nonce": nonce, "url": url}
        if self.account_url is None:
            protected["jwk"] = self.account_key.as_dict(private=False)
        else:
            protected["kid"] = self.account_url
        body = b"" if payload is None else json.dumps(payload).encode()
        signed = jws.serialize_json({"protected": protected}, body, self.account_key,
                                    registry=REGISTRY)
        return json.dumps(signed)

    async def post(self, url: str, payload: JSON | None, context: str,
                   accept: str | None = None) -> httpx.Response:
        """A signed POST (``payload=None`` is POST-as-GET); an error answer raises."""
        for _ in range(BAD_NONCE_RETRIES):
            nonce = self._nonce or await self._fresh_nonce()
            self._nonce = None
            headers = {"Content-Type": "application/jose+json"}
            if accept:
                headers["Accept"] = accept
            response = await self._http.post(url, headers=headers,
                                             content=self._sign(url, payload, nonce))
            self._nonce = response.headers.get("replay-nonce")
            if response.status_code < 400:
                return response
            try:
                problem = response.json()
            except ValueError:
                problem = f"HTTP {response.status_code}: {response.text[:200]}"
            if isinstance(problem, dict) and problem.get("type") == f"{PROBLEM}badNonce":
                continue
            raise AcmeError.from_problem(problem, context)
        raise AcmeError(f"{context}: the ACME server kept rejecting nonces")

    async def poll(self, url: str, waiting: tuple[str, ...], context: str,
                   deadline: float) -> JSON:
        """POST-as-GET ``url`` until its status leaves ``waiting``."""
        while True:
            response = await self.post(url, None, context)
            resource: JSON = response.json()
            if resource.get("status") not in waiting:
                return resource
            if time.monotonic() > deadline:
                raise AcmeError(f"{context}: still {resource.get('status')} at the deadline")
            await asyncio.sleep(retry_after(response))

    # -- the flow ---------------------------------------------------------------

    async def register(self) -> str:
        """Create the account, or find it (same key): its URL signs what follows."""
        payload: JSON = {"termsOfServiceAgreed": True}
        if self.email:
            payload["contact"] = [f"mailto:{self.email}"]
        response = await self.post((await self.directory())["newAccount"], payload,
                                   "creating the ACME account")
        url = str(response.headers["location"])
        self.account_url = url
        return url

    async def new_order(self, names: list[str]) -> tuple[str, JSON]:
        """Order a certificate for ``names``; the order's URL and body."""
        identifiers = [{"type": "dns", "value": name} for name in names]
        response = await self.post((await self.directory())["newOrder"],
                                   {"identifiers": identifiers}, "ordering the certificate")
        return response.headers["location"], response.json()

    async def dns_challenges(self, order: JSON) -> list[Challenge]:
        """The DNS-01 challenges still to answer (valid authorizations need none)."""
        challenges = []
        for url in order["authorizations"]:
            authorization = (await self.post(url, None, "reading an authorization")).json()
            if authorization.get("status") == "valid":
                continue
            domain = authorization["identifier"]["value"]
            found = [item for item in authorization.get("challenges", [])
                     if item.get("type") == "dns-01"]
            if not found:
                raise AcmeError(f"the CA offers no DNS-01 challenge for {domain}")
            challenges.append(Challenge(domain, dns01_value(found[0]["token"], self.account_key),
                                        found[0]["url"], url))
        return challenges

    async def answer(self, challenge: Challenge, deadline: float) -> None:
        """Tell the CA the record is there, then wait for its verdict."""
        context = f"validating {challenge.record_name}"
        await self.post(challenge.url, {}, context)
        authorization = await self.poll(challenge.authorization, ("pending",), context, deadline)
        if authorization.get("status") != "valid":
            failed = [item.get("error") for item in authorization.get("challenges", [])
                      if item.get("url") == challenge.url and item.get("error")]
            raise AcmeError.from_problem(failed[0] if failed else
                                         f"authorization {authorization.get('status')}", context)

    async def finalize(self, order_url: str, order: JSON, csr_der: bytes,
                       deadline: float) -> str:
        """Send the CSR once the order is ready; download the PEM chain once it is valid."""
        order = await self.poll(order_url, ("pending",), "waiting for the order", deadline)
        if order.get("status") == "ready":
            await self.post(order["finalize"], {"csr": b64url(csr_der)}, "finalizing the order")
            order = await self.poll(order_url, ("ready", "processing"), "finalizing the order",
                                    deadline)
        if order.get("status") != "valid":
            raise AcmeError.from_problem(order.get("error") or f"order {order.get('status')}",
                                         "finalizing the order")
        response = await self.post(order["certificate"], None, "downloading the certificate",
                                   accept="application/pem-certificate-chain")
        return response.text
