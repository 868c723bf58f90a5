"""The ``autostack`` group: its command modules import no other, plugins add commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from autostack_core import hookimpl
from autostack_core.cli import add_plugin_commands, main
from autostack_core.cli.options import group_at
from autostack_core.plugins import LoadedPlugins, get_plugin_manager

CLI = Path(__file__).resolve().parents[2] / "autostack_core" / "cli"


def cli_imports(path: Path) -> set[str]:
    """The modules of ``autostack_core.cli`` that the module at ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name.removeprefix("autostack_core.cli.") for name in names
                  if name.startswith("autostack_core.cli.")
                  and (CLI / f"{name.removeprefix('autostack_core.cli.')}.py").exists()}
    return found


def test_the_command_modules_import_no_other_command_module() -> None:
    """Only the package's ``__init__`` gathers commands; the rest share helper modules."""
    helpers = {"options", "api_client", "upload", "folder_scan", "deployment_helpers"}
    for path in CLI.glob("*.py"):
        if path.name == "__init__.py":
            continue
        imported = cli_imports(path) - helpers
        assert imported == set(), f"{path.name} imports {imported}"
    assert cli_imports(CLI / "options.py") <= {"api_client"}
    assert cli_imports(CLI / "api_client.py") == set()


def test_every_cli_module_imports_first_on_its_own() -> None:
    """Each module imported first in a fresh interpreter: a cycle would fail one of them."""
    for path in sorted(CLI.glob("*.py")):
        module = "autostack_core.cli" + ("" if path.stem == "__init__" else f".{path.stem}")
        result = subprocess.run([sys.executable, "-c", f"import {module}"],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{module}: {result.stderr}"


def test_every_built_in_command_is_listed() -> None:
    output = CliRunner().invoke(main, ["--help"]).output
    for command in ("up", "worker", "doctor", "backup", "service", "detect", "deploy", "env",
                    "domains", "dns", "deploy-hooks", "templates"):
        assert f"  {command} " in output, command


def test_a_built_in_command_starts_without_importing_plugins() -> None:
    """Loading every plugin takes seconds; ``autostack deploy`` and friends do not wait."""
    script = ("import sys\n"
              "from click.testing import CliRunner\n"
              "from autostack_core.cli import main\n"
              "result = CliRunner().invoke(main, ['link', '--help'])\n"
              "assert result.exit_code == 0, result.output\n"
              "print(sorted(name for name in sys.modules if name.startswith(\n"
              "    ('autostack_plugins.', 'autostack_web'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout == "[]\n", result.stderr


def test_a_client_command_run_as_the_program_keeps_its_output_and_exit_status(
    tmp_path: Path,
) -> None:
    """It ends with ``os._exit`` (no interpreter teardown): nothing printed may be lost."""
    env = {"XDG_CONFIG_HOME": str(tmp_path), "AUTOSTACK_SERVER": "http://127.0.0.1:9",
           "AUTOSTACK_TOKEN": "t", "PATH": "/usr/bin:/bin"}
    program = [sys.executable, "-c", "import sys; from autostack_core.cli import main; "
               "sys.exit(main())"]
    failed = subprocess.run([*program, "ls", "--project", "p"], env=env, capture_output=True,
                            text=True)
    assert failed.returncode == 1 and "cannot reach http://127.0.0.1:9" in failed.stderr
    listed = subprocess.run([*program, "link", "site"], env=env, cwd=tmp_path,
                            capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout.startswith("Linked "), listed.stderr


def test_a_plugin_adds_to_a_built_in_group() -> None:
    """The Route53 plugin adds ``dns connect route53`` through ``register_commands``."""
    output = CliRunner().invoke(main, ["dns", "connect", "--help"]).output
    assert "  route53  Connect a Route53 hosted zone" in output


class Broken:
    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        raise RuntimeError("no database driver")


class Greeter:
    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command(name="greet")
        def greet() -> None:
            click.echo("hello")


def plugins_with_a_broken_one() -> LoadedPlugins:
    loaded = get_plugin_manager(default_plugins=(), load_entry_points=False)
    loaded.manager.register(Broken(), name="broken-commands")
    loaded.manager.register(Greeter(), name="greeter")
    return loaded


def test_a_failing_plugin_is_named_and_the_others_commands_stay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli = click.Group(name="autostack")
    add_plugin_commands(cli, plugins_with_a_broken_one())
    assert capsys.readouterr().err == (
        "plugin broken-commands: register_commands failed: RuntimeError: no database driver\n")
    assert CliRunner().invoke(cli, ["greet"]).output == "hello\n"


def test_strict_mode_makes_a_failing_plugin_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="no database driver"):
        add_plugin_commands(click.Group(name="autostack"), plugins_with_a_broken_one())


def test_group_at_names_a_group_closed_to_plugins_or_missing() -> None:
    with pytest.raises(LookupError, match="`env` takes no commands from plugins"):
        group_at(main, "env")
    with pytest.raises(LookupError, match="no command group `dns nothing`"):
        group_at(main, "dns", "nothing")
    assert group_at(main, "dns", "connect").name == "connect"
