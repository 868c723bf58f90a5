"""``autostack split``: share a project's production traffic between deployments by weight."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option


def describe(split: dict[str, Any] | None) -> str:
    """The split as a table: each variant's weight, requests and errors."""
    if split is None:
        return "No split test: production serves one deployment."
    lines = [f"Split test since {split['started_at']} on {', '.join(split['hostnames'])}",
             f"{'DEPLOYMENT':<24} {'WEIGHT':>6} {'REQUESTS':>9} {'ERRORS':>7}"]
    for variant in split["variants"]:
        requests = "-" if variant["requests"] is None else variant["requests"]
        errors = "-" if variant["errors"] is None else variant["errors"]
        lines.append(f"{variant['deployment']:<24} {variant['weight']:>5}% {requests:>9} "
                     f"{errors:>7}")
    return "\n".join(lines)


def parse_variant(text: str) -> dict[str, Any]:
    deployment, equals, weight = text.rpartition("=")
    if not equals or not deployment or not weight.isdigit():
        raise click.BadParameter(f"{text!r}: write DEPLOYMENT=WEIGHT, like dpl123=20")
    return {"deployment": deployment, "weight": int(weight)}


@click.group()
def split() -> None:
    """Split testing: production traffic shared between deployments, sticky per visitor."""


@split.command(name="show")
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """Show a project's split test with each variant's requests and errors."""
    result = ApiClient().get(f"/api/v1/projects/{name}/split")
    emit(as_json, result, describe(result["split"]))


@split.command(name="set")
@click.argument("name")
@click.argument("variants", nargs=-1, required=True)
@json_option
def set_split(name: str, variants: tuple[str, ...], as_json: bool) -> None:
    """Split production traffic: ``autostack split set site dplA=80 dplB=20`` (sum 100)."""
    body = {"variants": [parse_variant(text) for text in variants]}
    result = ApiClient().request("PUT", f"/api/v1/projects/{name}/split", json=body)
    emit(as_json, result, describe(result["split"]))


@split.command(name="end")
@click.argument("name")
@json_option
def end(name: str, as_json: bool) -> None:
    """End the split test: production serves the production deployment again."""
    result = ApiClient().delete(f"/api/v1/projects/{name}/split")
    emit(as_json, result, "Split test ended; production serves its deployment")


commands: list[click.Command] = [split]
