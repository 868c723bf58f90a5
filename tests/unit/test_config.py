"""Server settings: the one public URL every link and command starts with."""

from __future__ import annotations

import pytest

from autostack_core.config import Settings

pytestmark = pytest.mark.dbless


def test_the_public_url_on_the_loopback_is_localhost() -> None:
    """The README's and the start banner's address, so cookies set there hold for links."""
    assert Settings(port=8123).server_url == "http://localhost:8123"
    assert Settings(host="::1", port=8123).server_url == "http://localhost:8123"


def test_another_address_or_a_configured_public_url_is_kept() -> None:
    assert Settings(host="10.1.2.3", port=80).server_url == "http://10.1.2.3:80"
    configured = Settings(host="127.0.0.1", public_url="https://autostack.example.com")
    assert configured.server_url == "https://autostack.example.com"
