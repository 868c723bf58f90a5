"""``autostack service install | status``: run ``autostack up`` under systemd."""

from __future__ import annotations

import getpass
import pwd
import shutil
import sys
from pathlib import Path

import click

from autostack_core.cli.options import data_dir_option, settings_from
from autostack_core.infrastructure import service

unit_dir_option = click.option(
    "--unit-dir", type=click.Path(file_okay=False, path_type=Path), default=service.UNIT_DIR,
    show_default=True, help="Where systemd reads units")
name_option = click.option("--name", default=service.NAME, show_default=True,
                           help="The unit's name (several instances need several names)")


def installed_executable() -> Path:
    """This installation's ``autostack``, which the unit runs."""
    beside_python = Path(sys.executable).parent / "autostack"
    found = beside_python if beside_python.exists() else shutil.which("autostack")
    if found is None:
        raise click.ClickException("cannot find the autostack command of this installation")
    return Path(found).absolute()


@click.group(name="service")
def service_group() -> None:
    """Run AutoStack as a systemd service that starts at boot and restarts on failure."""


@service_group.command(name="install")
@click.option("--user", default=getpass.getuser, show_default="the current user",
              help="The user the server runs as (root for sandboxed apps and cgroup limits)")
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path),
              default=service.ENV_FILE, show_default=True,
              help="AUTOSTACK_* settings read at each start (created, mode 0600, if missing)")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--edge-port", default=None, type=int, help="Port of the edge [default 8080]")
@click.option("--domain", default=None, help="Base domain of deployments [default localhost]")
@data_dir_option
@unit_dir_option
@name_option
def install(user: str, env_file: Path, host: str, port: int, edge_port: int | None,
            domain: str | None, data_dir: Path | None, unit_dir: Path, name: str) -> None:
    """Write the systemd unit running `autostack up` (run it again to change it)."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise click.UsageError(f"--user: no user named {user!r} on this machine") from None
    spec = service.ServiceSpec(
        executable=installed_executable(), user=user, env_file=env_file.absolute(),
        data_dir=settings_from(data_dir).data_dir.absolute(), host=host, port=port,
        edge_port=edge_port, domain=domain, name=name)
    try:
        text = service.unit_text(spec)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    unit = service.unit_path(unit_dir, name)
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(text, encoding="utf-8")
    click.echo(f"wrote {unit}")
    if service.write_env_file(spec.env_file, name):
        click.echo(f"wrote {spec.env_file} (mode 0600): put the server's AUTOSTACK_* settings "
                   "there")
    if not spec.data_dir.exists():
        spec.data_dir.mkdir(parents=True, mode=0o700)
        shutil.chown(spec.data_dir, user=user)
    click.echo(f"data in {spec.data_dir}, running as {user}")
    click.echo(f"start it now and at boot: systemctl daemon-reload && "
               f"systemctl enable --now {name}")


@service_group.command(name="status")
@unit_dir_option
@name_option
def status(unit_dir: Path, name: str) -> None:
    """Whether the unit is installed, enabled and running (exit 3 when it is not running)."""
    unit = service.unit_path(unit_dir, name)
    if not unit.exists():
        click.echo(f"{name}: not installed ({unit} does not exist); "
                   "`autostack service install` writes it")
        raise SystemExit(3)
    click.echo(f"{name}: installed in {unit}")
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.startswith(("User=", "ExecStart=", "EnvironmentFile=", "Environment=")):
            click.echo(f"    {line}")
    if not service.systemd_running():
        click.echo("systemd does not run on this machine: the unit cannot start here")
        raise SystemExit(3)
    state = service.unit_state(name)
    click.echo(f"    enabled: {state.get('UnitFileState', '?')}, "
               f"state: {state.get('ActiveState', '?')} ({state.get('SubState', '?')}), "
               f"pid {state.get('MainPID', '?')}")
    if state.get("ActiveState") != "active":
        raise SystemExit(3)


commands: list[click.Command] = [service_group]
