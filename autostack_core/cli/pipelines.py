"""``autostack pipelines``: a project's pipeline from the command line, as the dashboard edits it.

``show`` prints the steps in order; ``set`` replaces them from a JSON file (a list
of steps, or an object with ``steps`` or ``pipeline``, so an ``autostack.json`` works
as is); ``add``, ``remove``, ``move`` and ``approval`` make the dashboard editor's
changes with its own functions (:mod:`autostack_core.services.pipelines`) and send
the whole list with ``PUT /api/v1/projects/{name}/pipeline``. The server validates it:
a bad step is refused naming the field (``steps[2].command: must be a non-empty
string``) and nothing is changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option

CUSTOM = click.Choice(["test", "lint", "check"])


def describe(pipeline: dict[str, Any]) -> str:
    """The steps, one a line (``3. test  unit  Unit tests  $ npm test``), and their source."""
    lines = []
    for number, step in enumerate(pipeline["steps"], start=1):
        parts = [f"{number}. {step['kind']:<9}", step["id"] if step["id"] != step["kind"]
                 else "", step["name"]]
        if step.get("command"):
            parts.append(f"$ {step['command']}")
        if step.get("when") == "production":
            parts.append("(production only)")
        lines.append("  ".join(part for part in parts if part))
    lines.append(f"from: {pipeline['source']} ({pipeline['repository_wins']})")
    return "\n".join(lines)


def steps_from(text: str, where: str) -> list[Any]:
    """The list of steps in ``text``: a list, or an object's ``steps`` or ``pipeline``."""
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise click.ClickException(f"{where}: not valid JSON: {error}") from error
    if isinstance(loaded, dict):
        key = next((key for key in ("steps", "pipeline") if key in loaded), None)
        if key is None:
            raise click.ClickException(f"{where}: an object needs a `steps` or `pipeline` list")
        loaded = loaded[key]
    if not isinstance(loaded, list):
        raise click.ClickException(f"{where}: expected a list of steps")
    return loaded


def _path(name: str) -> str:
    return f"/api/v1/projects/{name}/pipeline"


def _replace(client: ApiClient, name: str, steps: list[Any], as_json: bool) -> None:
    result = client.request("PUT", _path(name), json={"steps": steps})
    emit(as_json, result, describe(result))


def _edit(name: str, as_json: bool, change: Callable[[list[Any]], list[dict[str, Any]]]) -> None:
    """Apply the dashboard editor's ``change`` to the current steps and save them."""
    from autostack_core.build import pipeline_config
    from autostack_core.errors import ApiError

    client = ApiClient()
    current = client.get(_path(name))["steps"]
    try:
        steps = change(pipeline_config.validate(current))
    except ApiError as error:
        raise click.ClickException(error.message) from error
    _replace(client, name, steps, as_json)


@click.group()
def pipelines() -> None:
    """A project's pipeline: install, build, tests and checks, approval, deploy."""


@pipelines.command(name="show")
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """Show the steps of project NAME's pipeline in order."""
    result = ApiClient().get(_path(name))
    emit(as_json, result, describe(result))


@pipelines.command(name="set")
@click.argument("name")
@click.argument("steps_file", type=click.File("r"))
@json_option
def set_steps(name: str, steps_file: IO[str], as_json: bool) -> None:
    """Replace project NAME's steps with those in STEPS_FILE (JSON; - reads standard input)."""
    _replace(ApiClient(), name, steps_from(steps_file.read(), steps_file.name), as_json)


@pipelines.command(name="add")
@click.argument("name")
@click.option("--kind", type=CUSTOM, required=True, help="What the step is")
@click.option("--command", "command", required=True,
              help="One line run with sh -c in the build sandbox after the build")
@click.option("--name", "label", default="", help="What the diagram and the log call it")
@json_option
def add(name: str, kind: str, command: str, label: str, as_json: bool) -> None:
    """Add a test, lint or check step after the build (before any approval)."""
    from autostack_core.services.pipelines import added

    _edit(name, as_json, lambda steps: added(steps, kind, label, command))


@pipelines.command(name="remove")
@click.argument("name")
@click.argument("step")
@json_option
def remove(name: str, step: str, as_json: bool) -> None:
    """Remove the step with id STEP (install, build and deploy cannot go)."""
    from autostack_core.services.pipelines import removed

    _edit(name, as_json, lambda steps: removed(steps, step))


@pipelines.command(name="move")
@click.argument("name")
@click.argument("step")
@click.option("--up/--down", "up", required=True, help="Earlier or later by one place")
@json_option
def move(name: str, step: str, up: bool, as_json: bool) -> None:
    """Move step STEP one place (install and build move together)."""
    from autostack_core.services.pipelines import moved

    _edit(name, as_json, lambda steps: moved(steps, step, -1 if up else 1))


@pipelines.command(name="approval")
@click.argument("name")
@click.option("--required/--not-required", "required", required=True,
              help="Whether production deployments wait for a member's approval")
@json_option
def approval(name: str, required: bool, as_json: bool) -> None:
    """Require an approval before production (right before deploy), or drop it."""
    from autostack_core.services.pipelines import with_approval

    _edit(name, as_json, lambda steps: with_approval(steps, required))


commands: list[click.Command] = [pipelines]
