"""``autostack protection``: who may visit a project's deployments (deployment protection)."""

from __future__ import annotations

import sys
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option

MODES = click.Choice(["none", "password", "team"])


def describe(protection: dict[str, Any]) -> str:
    password = "set" if protection["password_set"] else "not set"
    bypass = "set" if protection["bypass_set"] else "not set"
    return (f"production: {protection['production']}\npreview:    {protection['preview']}\n"
            f"password:   {password}\nbypass:     {bypass}")


@click.group()
def protection() -> None:
    """Protect production and previews with a password or team login."""


@protection.command(name="show")
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """Show a project's protection."""
    result = ApiClient().get(f"/api/v1/projects/{name}/protection")
    emit(as_json, result, describe(result["protection"]))


@protection.command(name="set")
@click.argument("name")
@click.option("--production", type=MODES, default=None, help="Who may visit production")
@click.option("--preview", type=MODES, default=None, help="Who may visit previews")
@click.option("--password", default=None, help="The shared password (8 characters or more)")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@json_option
def set_protection(name: str, production: str | None, preview: str | None,
                   password: str | None, password_stdin: bool, as_json: bool) -> None:
    """Change a project's modes or password (``--preview password --password-stdin``)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    body = {key: value for key, value in
            (("production", production), ("preview", preview), ("password", password))
            if value is not None}
    if not body:
        raise click.UsageError("nothing to change: pass --production, --preview or --password")
    result = ApiClient().request("PUT", f"/api/v1/projects/{name}/protection", json=body)
    emit(as_json, result, f"{describe(result['protection'])}\n"
                          f"{result['protected_hostnames']} hostnames protected")


@protection.command(name="bypass")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke the secret instead of making a new one")
@json_option
def bypass(name: str, revoke: bool, as_json: bool) -> None:
    """Make a new bypass secret for automation (shown once), or revoke it."""
    client = ApiClient()
    if revoke:
        client.delete(f"/api/v1/projects/{name}/protection/bypass")
        emit(as_json, {"revoked": True}, "Bypass secret revoked")
        return
    result = client.post(f"/api/v1/projects/{name}/protection/bypass")
    emit(as_json, result, f"{result['secret']}\nSend it as the x-vercel-protection-bypass "
                          "header or query parameter; it is not shown again.")


@protection.command(name="team")
@click.argument("slug")
@click.option("--protect-previews/--public-previews", required=True,
              help="Whether new projects protect their previews with team login")
@json_option
def team(slug: str, protect_previews: bool, as_json: bool) -> None:
    """Set a team's default for the previews of its new projects."""
    result = ApiClient().request("PUT", f"/api/v1/teams/{slug}/protection",
                                 json={"protect_previews": protect_previews})
    emit(as_json, result, "New projects protect their previews" if result["protect_previews"]
         else "New projects start with public previews")


commands: list[click.Command] = [protection]
