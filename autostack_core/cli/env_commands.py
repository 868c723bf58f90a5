"""``autostack env``: a project's environment variables (production, preview, development)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


@click.group()
def env() -> None:
    """Manage environment variables (production, preview, development)."""


environment_option = click.option(
    "--environment", "-e", "environments", multiple=True,
    type=click.Choice(["production", "preview", "development"]),
    help="Repeat for several; default all three",
)


@env.command(name="add")
@click.argument("key")
@click.argument("value", required=False)
@environment_option
@project_option
@json_option
def env_add(key: str, value: str | None, environments: tuple[str, ...], project: str | None,
            as_json: bool) -> None:
    """Add a variable (the value is read from stdin when omitted)."""
    name = resolve_project(project)
    if value is None:
        value = sys.stdin.read().rstrip("\n")
    chosen = list(environments) or ["production", "preview", "development"]
    result = ApiClient().post(f"/api/v1/projects/{name}/env",
                              {"key": key, "value": value, "environments": chosen})
    emit(as_json, result, f"Added {key} to {', '.join(chosen)}")


@env.command(name="ls")
@project_option
@json_option
def env_ls(project: str | None, as_json: bool) -> None:
    """List variables (values hidden)."""
    name = resolve_project(project)
    result = ApiClient().get(f"/api/v1/projects/{name}/env")
    emit(as_json, result, "\n".join(f"{v['key']:<30} {v['environment']}"
                                    for v in result["env"]) or "no variables")


@env.command(name="rm")
@click.argument("key")
@environment_option
@project_option
@json_option
def env_rm(key: str, environments: tuple[str, ...], project: str | None, as_json: bool) -> None:
    """Remove a variable from the given environments (default all)."""
    name = resolve_project(project)
    client = ApiClient()
    rows = [v for v in client.get(f"/api/v1/projects/{name}/env")["env"]
            if v["key"] == key and (not environments or v["environment"] in environments)]
    if not rows:
        raise click.ClickException(f"no variable {key} in project {name}")
    for row in rows:
        client.delete(f"/api/v1/projects/{name}/env/{row['id']}")
    emit(as_json, {"removed": [row["id"] for row in rows]}, f"Removed {key} ({len(rows)})")


@env.command(name="pull")
@click.argument("file", default=".env", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--environment", "-e", default="development",
              type=click.Choice(["production", "preview", "development"]))
@project_option
@json_option
def env_pull(file: Path, environment: str, project: str | None, as_json: bool) -> None:
    """Write the variables of an environment to a .env file."""
    name = resolve_project(project)
    result = ApiClient().get(f"/api/v1/projects/{name}/env", params={"decrypt": "1"})
    rows = [v for v in result["env"] if v["environment"] == environment]
    file.write_text("".join(f"{v['key']}={json.dumps(v['value'])}\n" for v in rows))
    file.chmod(0o600)
    emit(as_json, {"file": str(file), "count": len(rows)},
         f"Wrote {len(rows)} variables to {file}")
