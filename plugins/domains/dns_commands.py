"""``autostack dns connect|ls|rm``: the DNS zones a team connects so domains get their records.

``dns connect <DNS host>`` comes from each DNS host plugin (``register_commands``).
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import (
    ExtensibleGroup,
    emit,
    json_option,
    team_option,
    team_slug,
)


def describe(zone: dict[str, Any]) -> str:
    return (f"{zone['id']:<5} {zone['zone']:<40} {zone['dns_host']}  "
            f"connected {zone['created_at'][:10]}")


@click.group()
def dns() -> None:
    """DNS zones: once connected, custom domains in them get their records automatically."""


@dns.group(name="connect", cls=ExtensibleGroup)
def dns_connect() -> None:
    """Connect a zone of a DNS host (its credentials are stored encrypted).

    Each DNS host plugin adds its own subcommand here through
    ``register_commands``, with the options its zone needs.
    """


@dns.command(name="ls")
@team_option
@json_option
def dns_ls(team: str | None, as_json: bool) -> None:
    """List the team's connected zones."""
    with closing(ApiClient()) as client:
        result = client.get(f"/api/v1/teams/{team_slug(client, team)}/dns-zones")
    emit(as_json, result, "\n".join(describe(zone) for zone in result["zones"])
         or "no zones connected")


@dns.command(name="rm")
@click.argument("zone_id", type=int)
@team_option
@json_option
def dns_rm(zone_id: int, team: str | None, as_json: bool) -> None:
    """Disconnect zone ZONE_ID: its credentials are deleted, records already written stay."""
    with closing(ApiClient()) as client:
        client.delete(f"/api/v1/teams/{team_slug(client, team)}/dns-zones/{zone_id}")
    emit(as_json, {"removed": zone_id}, f"Disconnected zone {zone_id}")
