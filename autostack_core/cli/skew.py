"""``autostack skew``: how long a previous deployment answers its own pages after a deploy."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option


def describe(skew: dict[str, Any]) -> str:
    if not skew["enabled"]:
        return "Skew protection: off"
    return f"Skew protection: {skew['seconds']} s (default {skew['default_seconds']} s)"


@click.command()
@click.argument("name")
@click.option("--seconds", type=int, default=None,
              help="The window in seconds (0 turns skew protection off)")
@json_option
def skew(name: str, seconds: int | None, as_json: bool) -> None:
    """Show or set a project's skew protection window (``--seconds 3600``)."""
    client = ApiClient()
    path = f"/api/v1/projects/{name}/skew-protection"
    result = client.get(path) if seconds is None else \
        client.request("PUT", path, json={"seconds": seconds})
    emit(as_json, result, describe(result["skew_protection"]))
