"""The server's command line: help, migrate twice, users create, plugins, doctor, uvicorn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from click.testing import CliRunner

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.cli.server import server_config
from autostack_core.infrastructure.models import AuditEvent


def test_help_lists_every_server_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "worker", "migrate", "doctor", "plugins", "users", "keys"):
        assert f"  {command} " in result.output


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["migrate", "--data-dir", str(tmp_path)])
    second = runner.invoke(main, ["migrate", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0 and "applied 0_" in first.output
    assert second.exit_code == 0 and "up to date" in second.output


def test_users_create_rejects_a_duplicate_email(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["users", "create", "--email", "Ada@Example.com", "--password", "correct horse",
            "--data-dir", str(tmp_path)]
    created = runner.invoke(main, args)
    duplicate = runner.invoke(main, args)
    assert created.exit_code == 0 and "ada@example.com" in created.output
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_doctor_checks_everything_and_passes_here(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["doctor", "--data-dir", str(tmp_path / "fresh")])
    for name in ("python", "git", "node", "bubblewrap", "build net", "app sandbox", "cgroups",
                 "caddy", "database", "redis"):
        assert f" {name}" in result.output
    assert result.exit_code == 0, result.output


async def test_forwarded_for_names_the_client_only_behind_a_trusted_proxy(
    autostack: AutoStack,
) -> None:
    """The address rate limits go by, through uvicorn's own proxy-headers middleware."""
    for trusted, seen in ((("127.0.0.1",), "203.0.113.9"), ((), "127.0.0.1")):
        config = server_config(replace(autostack.settings, trusted_proxies=trusted),
                               autostack.asgi())
        config.load()
        transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await http.post("/api/v1/auth/login", headers={"X-Forwarded-For": "203.0.113.9"},
                            json={"email": "who@example.com", "password": "wrong password"})
        failed = await AuditEvent.filter(action="auth.login_failed").order_by("-id").first()
        assert failed is not None and failed.ip == seen
