"""Commands that work on this machine alone: ``detect`` and the template list."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from autostack_core.config import Settings
from autostack_core.detection import DetectionError, detect, list_apps
from autostack_core.interfaces import SourceTree
from autostack_core.plugins import get_plugin_manager


@click.command(name="detect")
@click.argument("directory", default=".", type=click.Path(exists=True, file_okay=False,
                                                          path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
def detect_command(directory: Path, as_json: bool) -> None:
    """Show what AutoStack detects in a folder and why; list a monorepo's apps."""
    manager = get_plugin_manager().manager
    try:
        detection = asyncio.run(detect(SourceTree(directory.resolve()), manager,
                                       Settings.from_env()))
    except DetectionError as error:
        raise click.ClickException(str(error)) from error
    apps = list_apps(directory.resolve())
    if as_json:
        click.echo(json.dumps({"detection": detection.to_dict() if detection else None,
                               "apps": apps}, indent=2))
        return
    if detection is None:
        click.echo("Nothing detected: add an index.html, or set the build command and "
                   "output directory in autostack.json")
    else:
        click.echo(f"AutoStack detected: {detection.name}")
        for label, value in (("install", detection.install_command),
                             ("build", detection.build_command),
                             ("output", detection.output_directory),
                             ("start", detection.start_command)):
            if value:
                click.echo(f"  {label:<8} {value}")
        for reason in detection.reasons:
            click.echo(f"  - {reason}")
    if apps:
        click.echo("Apps in this monorepo (pick one as the project's root directory):")
        for app in apps:
            mark = "" if app["deployable"] else "  (library)"
            click.echo(f"  {app['directory']:<30} {app['name']}{mark}")
