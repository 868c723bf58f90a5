"""The ``autostack`` command: server commands, the vercel-like client, plugins' commands.

Shared options and helpers live in :mod:`autostack_core.cli.options`; every
command module imports it and none imports another command module. Commands
of plugins (``register_commands``) are added the first time the group lists
its commands or is asked for one it does not know, not when this module is
imported: a built-in command starts without importing any plugin.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from autostack_core import __version__
from autostack_core.cli import (
    backup,
    client,
    env_commands,
    hooks,
    local,
    pipelines,
    plans,
    projects_commands,
    protection,
    server,
    service,
    templates_commands,
)
from autostack_core.cli.audit import audit
from autostack_core.cli.cost import cost
from autostack_core.cli.options import ExtensibleGroup
from autostack_core.cli.rollout import rollout
from autostack_core.cli.skew import skew
from autostack_core.cli.split import split
from autostack_core.cli.template_export import templates_export

if TYPE_CHECKING:
    from autostack_core.plugins import LoadedPlugins


class AutoStackGroup(ExtensibleGroup):
    """The root group: it loads the plugins' commands the first time one is needed.

    Run as the ``autostack`` program (``__call__``; CliRunner calls ``main``), a client
    command (those of :mod:`autostack_core.cli.client`: ``deploy``, ``ls``, ``logs``...)
    ends its process without the interpreter's teardown, which frees every imported
    module's objects one by one: 15-40 ms of CPU after the answer is printed. Server
    commands, which may leave log handlers and threads to finish, exit normally.
    """

    plugins_loaded = False
    client_command_ran = False

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        self.client_command_ran = command in client.commands
        return name, command, rest

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as done:
            if self.client_command_ran:
                exit_at_once(done.code)
            raise

    def load_plugin_commands(self) -> bool:
        """Add the commands of every loaded plugin, once; whether it happened now."""
        if self.plugins_loaded:
            return False
        self.plugins_loaded = True
        from autostack_core.plugins import get_plugin_manager

        add_plugin_commands(self, get_plugin_manager())
        return True


def exit_at_once(code: object) -> None:
    """End the process with ``code`` (as ``sys.exit`` reads it) once the output is flushed,
    skipping atexit handlers and the interpreter's teardown."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def add_plugin_commands(cli: click.Group, loaded: LoadedPlugins) -> None:
    """Call ``register_commands(cli=cli)`` on every plugin of ``loaded``.

    A plugin whose hook raises is reported on stderr by name and the others'
    commands are still added (``AUTOSTACK_STRICT_PLUGINS=1``: the error stops
    the command, for plugin developers).
    """
    from autostack_core.plugins import strict

    arguments = {"cli": cli}
    # In the order pluggy calls hooks (tryfirst first): a group others extend comes first.
    for hookimpl in reversed(loaded.manager.hook.register_commands.get_hookimpls()):
        try:
            hookimpl.function(*(arguments[name] for name in hookimpl.argnames))
        except Exception as error:
            if strict():
                raise
            click.echo(f"plugin {hookimpl.plugin_name}: register_commands failed: "
                       f"{type(error).__name__}: {error}", err=True)


@click.group(cls=AutoStackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autostack")
def main() -> None:
    """AutoStack: deploy git repositories and folders to live URLs on your own server."""


for command in (*server.commands, *service.commands, *backup.commands, local.detect_command,
                *client.commands, templates_commands.templates, env_commands.env,
                projects_commands.projects, hooks.deploy_hooks, *protection.commands,
                *plans.commands, *pipelines.commands):
    main.add_command(command)
main.add_command(split)
main.add_command(skew)
main.add_command(rollout)
main.add_command(audit)
main.add_command(cost)
templates_commands.templates.add_command(templates_export)
