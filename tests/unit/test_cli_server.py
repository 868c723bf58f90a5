"""The server's command line: help, migrate twice, users create, plugins, doctor."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from autostack_core.cli import main


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
    for name in ("python", "git", "node", "bubblewrap", "build net", "cgroups", "caddy",
                 "database", "redis"):
        assert f" {name}" in result.output
    assert result.exit_code == 0, result.output
