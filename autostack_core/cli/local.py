"""Commands that work on this machine alone: ``detect`` and the template list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from autostack_core.interfaces import Detection


@click.command(name="detect")
@click.argument("directory", default=".", type=click.Path(exists=True, file_okay=False,
                                                          path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print exactly one JSON object (framework, runtime, commands, "
                   "root_directory, confidence, reasons, apps)")
def detect_command(directory: Path, as_json: bool) -> None:
    """Show what AutoStack detects in a folder and why; list a monorepo's apps.

    Exits with status 1 when nothing is detected (the report is still printed,
    with ``framework`` null), so scripts can tell "nothing to build" apart.
    """
    # Imported here: the other commands start without the detectors and the plugins.
    import asyncio

    from autostack_core.build.detection import DetectionError, detect
    from autostack_core.build.detection_report import detection_report
    from autostack_core.build.workspaces import detect_apps
    from autostack_core.config import Settings
    from autostack_core.interfaces import SourceTree
    from autostack_core.plugins import get_plugin_manager

    root = directory.resolve()
    manager = get_plugin_manager().manager
    settings = Settings.from_env()
    try:
        detection = asyncio.run(detect(SourceTree(root), manager, settings))
    except DetectionError as error:
        raise click.ClickException(str(error)) from error
    apps = asyncio.run(detect_apps(root, manager, settings))
    report = detection_report(root, detection, apps=apps)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_report(report, detection)
    if detection is None:
        raise SystemExit(1)


def _print_report(report: dict[str, Any], detection: Detection | None) -> None:
    """The report for people: the detection, its reasons, a monorepo's apps."""
    from autostack_core.build.detection_report import NOTHING_DETECTED

    if detection is None:
        click.echo(f"Nothing detected: {NOTHING_DETECTED}")
    else:
        click.echo(f"AutoStack detected: {detection.name}")
        for label, value in (("root", report["root_directory"]),
                             ("install", detection.install_command),
                             ("build", detection.build_command),
                             ("output", detection.output_directory),
                             ("start", detection.start_command)):
            if value:
                click.echo(f"  {label:<8} {value}")
        for reason in detection.reasons:
            click.echo(f"  - {reason}")
    apps = report["apps"]
    if apps:
        click.echo("Apps in this monorepo (pick one as the project's root directory):")
        for app in apps:
            mark = "" if app["deployable"] else "  (library)"
            framework = app["framework"] or "no framework"
            click.echo(f"  {app['directory']:<30} {app['name']:<24} {framework}{mark}")
