"""``autostack dns connect|ls|rm``: the DNS zones a team connects so domains get their records."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, team_option


def team_slug(client: ApiClient, team: str | None) -> str:
    """``team``, or the slug of the user's personal team."""
    if team:
        return team
    teams = client.get("/api/v1/teams")["teams"]
    personal = [item["slug"] for item in teams if item["is_personal"]]
    if not personal:
        raise click.ClickException("you have no personal team: choose one with --team")
    return str(personal[0])


def describe(zone: dict[str, Any]) -> str:
    return (f"{zone['id']:<5} {zone['zone']:<40} {zone['provider']}  "
            f"connected {zone['created_at'][:10]}")


@click.group()
def dns() -> None:
    """DNS zones: once connected, custom domains in them get their records automatically."""


@dns.group(name="connect")
def dns_connect() -> None:
    """Connect a zone of a DNS provider (its credentials are stored encrypted)."""


@dns_connect.command(name="route53")
@click.option("--zone-id", required=True, help="Route53 hosted zone ID (Z0123...)")
@click.option("--access-key-id", required=True, help="AWS access key ID")
@click.option("--secret-access-key", prompt=True, hide_input=True,
              help="AWS secret access key [prompted]")
@click.option("--region", default=None, help="AWS region used to sign [us-east-1]")
@click.option("--endpoint-url", default=None, help="A Route53-compatible API instead of AWS")
@team_option
@json_option
def connect_route53(zone_id: str, access_key_id: str, secret_access_key: str,
                    region: str | None, endpoint_url: str | None, team: str | None,
                    as_json: bool) -> None:
    """Connect a Route53 hosted zone: AutoStack checks it can read the zone first."""
    with closing(ApiClient()) as client:
        slug = team_slug(client, team)
        result = client.post(f"/api/v1/teams/{slug}/dns-zones", {
            "provider": "route53", "config": {
                "hosted_zone_id": zone_id, "access_key_id": access_key_id,
                "secret_access_key": secret_access_key, "region": region,
                "endpoint_url": endpoint_url}})
    zone = result["zone"]
    emit(as_json, result, f"Connected {zone['zone']} (id {zone['id']}): domains added in it "
                          "get their DNS records automatically.")


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
