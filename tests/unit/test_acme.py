"""The ACME client's pure parts: problem documents in one line, DNS-01 values, polling delays.

The protocol itself runs against pebble in test_wildcard_certificate.
"""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest
from joserfc.jwk import ECKey

from autostack_plugins.providers.local.acme import AcmeError, dns01_value, retry_after

pytestmark = pytest.mark.dbless


def test_a_problem_reads_as_one_line_with_its_subproblems() -> None:
    error = AcmeError.from_problem({
        "type": "urn:ietf:params:acme:error:rejectedIdentifier",
        "detail": "Error creating new order",
        "subproblems": [{"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                         "detail": "blocked by policy",
                         "identifier": {"type": "dns", "value": "*.example.test"}}],
    }, "ordering the certificate")
    assert str(error) == ("ordering the certificate: Error creating new order; "
                          "*.example.test: blocked by policy (rejectedIdentifier)")
    assert error.problem_type == "rejectedIdentifier"
    assert str(AcmeError.from_problem("HTTP 502: bad gateway", "x")) == "x: HTTP 502: bad gateway"


def test_the_dns01_value_is_the_digest_of_the_key_authorization() -> None:
    key = ECKey.generate_key("P-256", private=True)
    public = key.as_dict(private=False)
    members = json.dumps({name: public[name] for name in ("crv", "kty", "x", "y")},
                         separators=(",", ":"), sort_keys=True)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest())
    authorization = f"token-1.{thumbprint.rstrip(b'=').decode()}"
    expected = base64.urlsafe_b64encode(hashlib.sha256(authorization.encode()).digest())
    assert dns01_value("token-1", key) == expected.rstrip(b"=").decode()


def test_polling_follows_retry_after_within_bounds() -> None:
    def response(value: str | None) -> httpx.Response:
        return httpx.Response(200, headers={} if value is None else {"Retry-After": value})

    assert retry_after(response(None)) == 1.0
    assert retry_after(response("3")) == 3.0
    assert retry_after(response("3600")) == 10.0
    assert retry_after(response("0")) == 0.1
    assert retry_after(response("Wed, 21 Oct 2026 07:28:00 GMT")) == 1.0
