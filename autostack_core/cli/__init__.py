"""The ``autostack`` command: server commands and the vercel-like client."""

from __future__ import annotations

import click

from autostack_core import __version__
from autostack_core.cli import backup, client, server, service


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autostack")
def main() -> None:
    """AutoStack: deploy git repositories and folders to live URLs on your own server."""


for command in (*server.commands, *service.commands, *backup.commands, *client.commands):
    main.add_command(command)
