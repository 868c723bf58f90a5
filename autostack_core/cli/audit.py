"""``autostack audit``: a team's audit log, newest first (owners and admins)."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option


def personal_team(client: ApiClient) -> str:
    """The slug of the signed-in user's personal team (the default ``--team``)."""
    teams: list[dict[str, Any]] = client.get("/api/v1/teams")["teams"]
    return str(next((team["slug"] for team in teams if team["is_personal"]), teams[0]["slug"]))


def changes(event: dict[str, Any]) -> str:
    before, after = event["before"] or {}, event["after"] or {}
    return ", ".join(f"{key}: {before.get(key)} -> {after.get(key)}"
                     for key in {**before, **after})


def line(event: dict[str, Any]) -> str:
    actor = event["actor"]["name"] + (f" (token {event['actor']['token']})"
                                      if event["actor"]["token"] else "")
    target = event["project"] or f"{event['target']['type']}:{event['target']['id']}"
    text = f"{event['created_at'][:19]}  {event['action']:<28} {target:<24} {actor}" \
           f"  {event['address']}"
    described = changes(event)
    return f"{text}\n    {described}" if described else text


@click.command()
@click.option("--team", help="The team's slug (default: your personal team)")
@click.option("--action", help="An action (deployment.promoted) or a family (deployment)")
@click.option("--actor", help="A user's e-mail or an API token's name")
@click.option("--project", help="Only changes to this project")
@click.option("--since", help="A date or time (2026-12-01), or an age (24h, 7d)")
@click.option("--until", help="A date or time")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@json_option
def audit(team: str | None, action: str | None, actor: str | None, project: str | None,
          since: str | None, until: str | None, limit: int, as_json: bool) -> None:
    """Show who changed what in a team, from where, before and after (newest first)."""
    client = ApiClient()
    slug = team or personal_team(client)
    filters = {"action": action, "actor": actor, "project": project, "since": since,
               "until": until, "limit": str(limit)}
    result = client.get(f"/api/v1/teams/{slug}/audit",
                        params={name: value for name, value in filters.items() if value})
    text = "\n".join(line(event) for event in result["events"]) or "No changes match."
    emit(as_json, result, text)
