"""The outbound policy on its own: which host git connects to, what a fetch is pinned to,
and the operator's setting. Only literal addresses and ``localhost`` are resolved here."""

from __future__ import annotations

import pytest

from autostack_core.config import Settings
from autostack_core.outbound import Outbound, OutboundError, git_host

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(("url", "host"), [
    ("https://github.com/owner/app.git", ("github.com", 443)),
    ("http://git.example.com:3000/app.git", ("git.example.com", 3000)),
    ("https://user:token@Git.Example.com/app.git", ("git.example.com", 443)),
    ("git@github.com:owner/app.git", ("github.com", 22)),
    ("ssh://git@[fe80::1]:2222/app.git", ("fe80::1", 2222)),
    ("git@[::1]:app.git", ("::1", 22)),
    ("git://10.0.0.1/app.git", ("10.0.0.1", 9418)),
    ("/srv/repos/app.git", None),
    ("file:///srv/repos/app.git", None),
    ("./app", None),
])
def test_the_host_git_connects_to(url: str, host: tuple[str, int] | None) -> None:
    assert git_host(url) == host


async def test_a_fetch_is_pinned_to_the_checked_address_and_follows_no_redirect() -> None:
    config = await Outbound(("127.0.0.0/8",)).git_config("http://localhost:3000/app.git")
    assert config == ["http.followRedirects=false", "http.curloptResolve=localhost:3000:127.0.0.1"]


async def test_local_paths_are_left_to_allow_local_git() -> None:
    assert await Outbound().git_config("/srv/repos/app.git") == []


async def test_the_allowlist_is_by_network() -> None:
    outbound = Outbound(("192.168.1.0/24",))
    await outbound.check_url("http://192.168.1.20:8080/hook")
    with pytest.raises(OutboundError, match=r"^192\.168\.2\.1: 192\.168\.0\.0/16 is Private"):
        await outbound.check_url("http://192.168.2.1/hook")


def test_a_bad_allowlist_entry_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_OUTBOUND_ALLOW", "10.0.0.0/8, git.internal")
    with pytest.raises(ValueError, match=r"AUTOSTACK_OUTBOUND_ALLOW: .*git\.internal"):
        Settings.from_env()
    monkeypatch.setenv("AUTOSTACK_OUTBOUND_ALLOW", "10.0.0.0/8, fd00::/8")
    assert Settings.from_env().outbound_allow == ("10.0.0.0/8", "fd00::/8")
