"""The outbound policy on its own: which host git connects to, what a fetch is pinned to,
and the operator's setting. Only literal addresses and ``localhost`` are resolved here."""

from __future__ import annotations

import socket
from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Deployment, DeploymentState
from autostack_core.security.outbound import Outbound, OutboundError, git_host
from tests.fixtures_auth import api, owner

__all__ = ["api", "owner"]


@pytest.mark.dbless
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


@pytest.mark.dbless
async def test_a_fetch_is_pinned_to_the_checked_address_and_follows_no_redirect() -> None:
    config = await Outbound(("127.0.0.0/8",)).git_config("http://localhost:3000/app.git")
    assert config == ["http.followRedirects=false", "http.curloptResolve=localhost:3000:127.0.0.1"]


@pytest.mark.dbless
async def test_local_paths_are_left_to_allow_local_git() -> None:
    assert await Outbound().git_config("/srv/repos/app.git") == []


@pytest.mark.dbless
async def test_the_allowlist_is_by_network() -> None:
    outbound = Outbound(("192.168.1.0/24",))
    await outbound.check_url("http://192.168.1.20:8080/hook")
    with pytest.raises(OutboundError, match=r"^192\.168\.2\.1: 192\.168\.0\.0/16 is Private"):
        await outbound.check_url("http://192.168.2.1/hook")


@pytest.mark.dbless
def test_a_bad_allowlist_entry_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_OUTBOUND_ALLOW", "10.0.0.0/8, git.internal")
    with pytest.raises(ValueError, match=r"AUTOSTACK_OUTBOUND_ALLOW: .*git\.internal"):
        Settings.from_env()
    monkeypatch.setenv("AUTOSTACK_OUTBOUND_ALLOW", "10.0.0.0/8, fd00::/8")
    assert Settings.from_env().outbound_allow == ("10.0.0.0/8", "fd00::/8")


async def test_a_deployments_clone_never_connects_to_the_servers_own_ports(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    """The pipeline's clone (every git deployment: API, webhooks, deploy hooks) is checked."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        created = await api.post("/api/v1/projects", json={
            "name": "scan", "git_url": f"http://localhost:{port}/x.git"})
        assert created.status_code == 201, created.text
        queued = await api.post("/api/v1/projects/scan/deployments", json={"target": "production"})
        assert queued.status_code in (200, 201, 202), queued.text
        autostack.settings = replace(autostack.settings, outbound_allow=())
        await run_deployment(autostack, queued.json()["id"])
        with pytest.raises(BlockingIOError):
            listener.accept()
    deployment = await Deployment.get(id=queued.json()["id"])
    assert deployment.state == DeploymentState.ERROR
    assert "localhost resolves to 127.0.0.1: 127.0.0.0/8 is Loopback" in str(
        deployment.error_message)
