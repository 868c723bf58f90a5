"""The options and helpers the command modules share, in one place.

Every command module imports this one and this one imports none of them
(only the API client), so
the command modules never import each other (they used to, in a cycle:
``client`` imported ``domains``, which imported ``client``). Plugins adding
commands through ``register_commands`` use the same options, so ``--json``,
``--project`` and ``--data-dir`` mean the same everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.config import Settings

LINK_FILE = Path(".autostack") / "project.json"

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
project_option = click.option("--project", default=None, help="Project name [linked project]")
team_option = click.option("--team", default=None, help="Team slug [your personal team]")
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where AutoStack keeps its data [env AUTOSTACK_DATA_DIR; ~/.local/share/autostack]",
)


def emit(as_json: bool, data: Any, text: str) -> None:
    """Print ``data`` as indented JSON with ``--json``, else ``text``."""
    click.echo(json.dumps(data, indent=2) if as_json else text)


def linked_project(directory: Path) -> str | None:
    """The project ``autostack link`` (or a deploy) linked ``directory`` to, if any."""
    try:
        name = json.loads((directory / LINK_FILE).read_text())["project"]
    except (FileNotFoundError, ValueError, KeyError):
        return None
    return str(name)


def link(directory: Path, name: str) -> None:
    path = directory / LINK_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"project": name}) + "\n")


def resolve_project(project: str | None, directory: Path = Path(".")) -> str:
    """``--project``, else the linked project; a usage error when there is neither."""
    name = project or linked_project(directory)
    if not name:
        raise click.ClickException("no project: pass --project NAME or run `autostack link`")
    return name


def team_slug(client: ApiClient, team: str | None) -> str:
    """``--team``, or the slug of the signed-in user's personal team."""
    if team:
        return team
    teams = client.get("/api/v1/teams")["teams"]
    personal = [item["slug"] for item in teams if item["is_personal"]]
    if not personal:
        raise click.ClickException("you have no personal team: choose one with --team")
    return str(personal[0])


class ExtensibleGroup(click.Group):
    """A command group plugins add to: a name it does not know loads the plugins first.

    Plugins are loaded once per process, by the root group (``autostack``),
    and only when needed: built-in commands start without importing them,
    while ``--help`` and a plugin's command find every plugin's.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_plugin_commands(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and load_plugin_commands(ctx):
            found = super().get_command(ctx, cmd_name)
        return found


def load_plugin_commands(ctx: click.Context) -> bool:
    """Have the root group add the plugins' commands; whether that happened just now."""
    load = getattr(ctx.find_root().command, "load_plugin_commands", None)
    return bool(load()) if load is not None else False


def group_at(cli: click.Group, *path: str) -> click.Group:
    """The group at ``path`` below ``cli`` (``group_at(cli, "dns", "connect")``).

    For plugins adding a subcommand to a built-in group in ``register_commands``.
    Only an :class:`ExtensibleGroup` finds plugins' commands (``dns connect``
    is one); a LookupError names the path when there is none there.
    """
    group = cli
    for name in path:
        found = group.commands.get(name)
        if not isinstance(found, click.Group):
            raise LookupError(f"no command group `{' '.join(path)}`")
        group = found
    if not isinstance(group, ExtensibleGroup):
        raise LookupError(f"`{' '.join(path)}` takes no commands from plugins")
    return group


def settings_from(data_dir: Path | None, **overrides: Any) -> Settings:
    """The server's settings; a wrong environment variable is a usage error naming it."""
    try:
        return Settings.from_env(data_dir=data_dir, **overrides)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
