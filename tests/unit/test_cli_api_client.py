"""Where the CLI sends its saved token: ``autostack login`` and ordinary commands.

The app runs under uvicorn on the test's event loop and the real ``autostack``
command line runs in a thread against it. "Another server" is the loopback
stand-in of :mod:`tests.http_standin`, which records the headers it was sent.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.cli.api_client import ApiClient, save_config
from autostack_core.infrastructure.models import Project, Team, User
from tests.fixtures_auth import PASSWORD, owner
from tests.http_standin import Recorded, standin
from tests.serving import serving

__all__ = ["owner"]


@pytest.fixture
async def server(autostack: AutoStack, owner: User) -> AsyncIterator[str]:
    """The URL of the running server; the owner has a project ``hello``."""
    team = await Team.get(owner=owner, is_personal=True)
    await Project.create(team=team, user=owner, name="hello")
    async with serving(autostack.asgi()) as url:
        yield url


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """A user's shell: its own config folder, no server or token in the environment."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "AUTOSTACK_SERVER": None,
            "AUTOSTACK_TOKEN": None}


async def autostack(env: dict[str, str | None], *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


def saved_token(env: dict[str, str | None]) -> str:
    path = Path(str(env["XDG_CONFIG_HOME"])) / "autostack" / "auth.json"
    return str(json.loads(path.read_text())["token"])


async def login(env: dict[str, str | None], server: str) -> Result:
    return await autostack(env, "login", "--server", server, "--email", "owner@example.com",
                           "--password", PASSWORD)


def answer_login(recorded: Recorded) -> tuple[int, object]:
    if recorded.path == "/api/v1/auth/login":
        return 200, {"token": "as_from_the_other_server"}
    return 401, {"error": {"code": "unauthorized", "message": "sign in", "field": None}}


async def test_a_stale_saved_token_does_not_stop_login(
    server: str, env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env["XDG_CONFIG_HOME"]))
    save_config(server, "as_revoked_long_ago")
    result = await login(env, server)
    assert result.exit_code == 0, result.output
    assert saved_token(env) != "as_revoked_long_ago"
    listed = await autostack(env, "ls", "--project", "hello")
    assert listed.exit_code == 0, listed.output


async def test_login_sends_no_saved_token(server: str, env: dict[str, str | None]) -> None:
    assert (await login(env, server)).exit_code == 0
    token = saved_token(env)
    with standin(answer_login) as other:
        result = await login(env, other.url)
    assert result.exit_code == 0, result.output
    [request] = other.requests
    assert "authorization" not in request.headers
    assert token not in json.dumps(request.headers)


async def test_a_saved_token_goes_only_to_the_server_it_was_saved_for(
    server: str, env: dict[str, str | None]
) -> None:
    assert (await login(env, server)).exit_code == 0
    token = saved_token(env)
    assert (await autostack(env, "ls", "--project", "hello")).exit_code == 0

    with standin(answer_login) as other:
        elsewhere = {**env, "AUTOSTACK_SERVER": other.url}
        refused = await autostack(elsewhere, "ls", "--project", "hello")
        explicit = await autostack({**elsewhere, "AUTOSTACK_TOKEN": "as_given_on_purpose"},
                                   "ls", "--project", "hello")
    assert refused.exit_code != 0
    assert "sign in" in refused.output
    unasked, asked = other.requests
    assert "authorization" not in unasked.headers
    assert token not in json.dumps(unasked.headers)
    assert asked.headers["authorization"] == "Bearer as_given_on_purpose"
    assert explicit.exit_code != 0


@pytest.mark.dbless
def test_an_https_server_is_verified_and_an_http_one_gets_no_tls_context() -> None:
    """The plain-http client skips the CA bundle; an https one checks certificate and name."""
    plain = ApiClient(server="http://127.0.0.1:9").connect(1)
    assert not isinstance(plain, http.client.HTTPSConnection)
    verified = ApiClient(server="https://example.com").connect(1)
    assert isinstance(verified, http.client.HTTPSConnection)
    context = verified._context  # type: ignore[attr-defined]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
