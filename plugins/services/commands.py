"""``autostack databases [ls|create|info|link|unlink|backup|restore|set|delete]``."""

from __future__ import annotations

import time
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, team_option, team_slug

WAIT_SECONDS = 120


def describe(item: dict[str, Any]) -> str:
    size = "-" if item["size_bytes"] is None else f"{item['size_bytes'] / 1e6:.1f} MB"
    linked = ", ".join(item["projects"]) or "no project"
    error = f"  ({item['error']})" if item["status"] == "failed" and item["error"] else ""
    return (f"{item['name']:<20}{item['title']:<12}{item['status']:<10}{size:>10}  "
            f"{item['env_key']} -> {linked}{error}")


def _base(client: ApiClient, team: str | None) -> str:
    return f"/api/v1/teams/{team_slug(client, team)}/databases"


@click.group()
def databases() -> None:
    """One-click databases (PostgreSQL, Redis): create, link, back up, restore."""


@databases.command(name="ls")
@team_option
@click.option("--project", default=None, help="Only the databases linked to this project")
@json_option
def databases_ls(team: str | None, project: str | None, as_json: bool) -> None:
    """The team's databases (or a project's): type, status, size, linked projects."""
    client = ApiClient()
    path = f"/api/v1/projects/{project}/databases" if project else _base(client, team)
    result = client.get(path)
    emit(as_json, result, "\n".join(describe(item) for item in result["databases"])
         or "no databases")


@databases.command(name="create")
@click.argument("name")
@click.option("--type", "kind", required=True, help="postgres or redis")
@click.option("--project", default=None, help="Link it to this project (in its team)")
@team_option
@click.option("--no-wait", is_flag=True, help="Return while the server starts")
@json_option
def databases_create(name: str, kind: str, project: str | None, team: str | None,
                     no_wait: bool, as_json: bool) -> None:
    """Create a database NAME; with --project, its deployments get the URL."""
    client = ApiClient()
    body: dict[str, Any] = {"name": name, "type": kind}
    if project:
        created = client.post(f"/api/v1/projects/{project}/databases", body)
    else:
        created = client.post(_base(client, team), body)
    slug = created["team"]
    deadline = time.monotonic() + WAIT_SECONDS
    while not no_wait and created["status"] == "starting" and time.monotonic() < deadline:
        time.sleep(0.5)
        created = client.get(f"/api/v1/teams/{slug}/databases/{name}")
    if created["status"] == "failed":
        raise click.ClickException(f"{name} failed to start: {created['error']}")
    emit(as_json, created, describe(created))


@databases.command(name="info")
@click.argument("name")
@team_option
@json_option
def databases_info(name: str, team: str | None, as_json: bool) -> None:
    """A database with its URL (members) and backups."""
    client = ApiClient()
    found = client.get(f"{_base(client, team)}/{name}")
    lines = [describe(found), f"URL: {found.get('url', '(members only)')}",
             f"backups (keeping {found['backup_keep']}):"]
    lines += [f"  {item['id']:>5}  {item['created_at'][:19]}  {item['status']:<8}"
              f"{item['size_bytes']:>12} B  {item['error'] or ''}" for item in found["backups"]]
    emit(as_json, found, "\n".join(lines))


@databases.command(name="link")
@click.argument("name")
@click.option("--project", required=True)
@team_option
def databases_link(name: str, project: str, team: str | None) -> None:
    """Give PROJECT's next deployments the database's URL."""
    client = ApiClient()
    client.post(f"{_base(client, team)}/{name}/links", {"project": project})
    click.echo(f"linked {name} to {project}: redeploy it to use the URL")


@databases.command(name="unlink")
@click.argument("name")
@click.option("--project", required=True)
@team_option
def databases_unlink(name: str, project: str, team: str | None) -> None:
    """Stop giving PROJECT's deployments the URL."""
    client = ApiClient()
    client.delete(f"{_base(client, team)}/{name}/links/{project}")
    click.echo(f"unlinked {name} from {project}")


@databases.command(name="backup")
@click.argument("name")
@team_option
@json_option
def databases_backup(name: str, team: str | None, as_json: bool) -> None:
    """Back up now (pg_dump or BGSAVE)."""
    client = ApiClient()
    result = client.post(f"{_base(client, team)}/{name}/backups")
    emit(as_json, result, f"backup {result['id']}: {result['size_bytes']} bytes")


@databases.command(name="restore")
@click.argument("name")
@click.argument("backup_id", type=int)
@team_option
@click.option("--yes", is_flag=True, help="Do not ask: the data is overwritten")
def databases_restore(name: str, backup_id: int, team: str | None, yes: bool) -> None:
    """Restore backup BACKUP_ID into NAME (its data is replaced)."""
    if not yes:
        click.confirm(f"Replace the data of {name} with backup {backup_id}?", abort=True)
    client = ApiClient()
    client.post(f"{_base(client, team)}/{name}/backups/{backup_id}/restore")
    click.echo(f"restored backup {backup_id} into {name}")


@databases.command(name="set")
@click.argument("name")
@click.option("--keep", type=int, required=True, help="How many backups to keep")
@team_option
def databases_set(name: str, keep: int, team: str | None) -> None:
    """Change how many backups are kept."""
    client = ApiClient()
    client.request("PATCH", f"{_base(client, team)}/{name}", json={"backup_keep": keep})
    click.echo(f"{name} keeps {keep} backups")


@databases.command(name="delete")
@click.argument("name")
@team_option
@click.option("--yes", is_flag=True, help="Do not ask")
def databases_delete(name: str, team: str | None, yes: bool) -> None:
    """Delete NAME with its data and backups."""
    if not yes:
        click.confirm(f"Delete {name} with its data and backups?", abort=True)
    client = ApiClient()
    client.delete(f"{_base(client, team)}/{name}")
    click.echo(f"deleted {name}")
