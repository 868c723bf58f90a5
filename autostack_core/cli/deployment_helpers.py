"""What the deploying commands share: the project on first deploy, following a deployment
until it is final, describing it, ``--target``/``--prod``.

Not a command module: ``client``, ``projects_commands`` and ``templates_commands`` import it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit


def ensure_project(client: ApiClient, name: str) -> None:
    """Create the project on first deploy, like ``vercel deploy`` does."""
    response = client.response("GET", f"/api/v1/projects/{name}")
    if response.status_code == 404:
        client.post("/api/v1/projects", {"name": name})
    elif response.status_code >= 400:
        client.get(f"/api/v1/projects/{name}")


def follow(client: ApiClient, deployment_id: str, quiet: bool) -> None:
    for event, data in client.events(f"/api/v1/deployments/{deployment_id}/events"):
        if event == "log" and not quiet:
            click.echo(f"[{data['step']}] {data['line']}", err=True)
        elif event == "state" and not quiet:
            click.echo(click.style(f"● {data['state']}", bold=True), err=True)
        elif event == "end":
            return


def describe(deployment: dict[str, Any]) -> str:
    lines = [f"{deployment['id']}  {deployment['state']}  {deployment['target']}  "
             f"{deployment['url']}"]
    lines += [f"  alias: {alias}" for alias in deployment["aliases"]]
    if deployment.get("error"):
        lines.append(f"  error: {deployment['error']}")
    return "\n".join(lines)


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--target production|preview`` (the API's ``target``) and ``--prod``, its
    shorthand for production as in the vercel CLI; the command gets ``target``."""
    command = click.option("--prod", "target", flag_value="production",
                           help="Deploy to production (same as --target production)")(command)
    return click.option("--target", "target", type=click.Choice(["production", "preview"]),
                        default="preview", show_default=True,
                        help="The environment to deploy to")(command)


def wait_and_report(client: ApiClient, deployment_id: str, as_json: bool,
                    **extra: Any) -> None:
    """Follow the deployment's log until it is final, print it (with ``extra`` fields) and
    exit with status 1 unless it is ready."""
    follow(client, deployment_id, quiet=as_json)
    deployment = client.get(f"/api/v1/deployments/{deployment_id}")
    deployment.update(extra)
    emit(as_json, deployment, describe(deployment))
    if deployment["state"] != "ready":
        sys.exit(1)
