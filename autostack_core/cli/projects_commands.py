"""``autostack projects``: create a project (and deploy its git branch), change its settings."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.deployment_helpers import wait_and_report
from autostack_core.cli.options import emit, json_option


@click.group()
def projects() -> None:
    """Manage projects."""


@projects.command(name="add")
@click.argument("name")
@click.option("--git", "git_url", help="Repository URL: its production branch deploys now")
@click.option("--branch", default="main", show_default=True, help="Production branch")
@click.option("--provider", help="Runtime the project's deployments run on (autostack plugins "
                                 "lists them; default local)")
@json_option
def projects_add(name: str, git_url: str | None, branch: str, provider: str | None,
                 as_json: bool) -> None:
    """Create a project; with --git, deploy its production branch."""
    client = ApiClient()
    body: dict[str, Any] = {"name": name, "branch": branch}
    if git_url:
        body["git_url"] = git_url
    if provider:
        body["provider"] = provider
    created = client.post("/api/v1/projects", body)["project"]
    if not git_url:
        emit(as_json, created, f"Created {name} (runtime {created['provider']}); deploy it "
                               "with `autostack deploy` in its folder")
        return
    deployment = client.post(f"/api/v1/projects/{name}/deployments",
                             {"target": "production", "git": {"ref": branch}})
    wait_and_report(client, deployment["id"], as_json)


@projects.command(name="set")
@click.argument("name")
@click.option("--provider", help="Runtime the project's next deployments run on")
@click.option("--branch", help="Production branch")
@click.option("--git", "git_url", help="Repository URL")
@click.option("--scale-to-zero", type=click.Choice(["on", "off"]),
              help="Sleep when idle, production included, woken by the next request "
                   "(previews always do; off by default for production)")
@json_option
def projects_set(name: str, provider: str | None, branch: str | None, git_url: str | None,
                 scale_to_zero: str | None, as_json: bool) -> None:
    """Change a project's settings; a new runtime takes the next deployment, a scale
    policy every ready one."""
    changes = {key: value for key, value in
               (("provider", provider), ("branch", branch), ("git_url", git_url)) if value}
    if not changes and scale_to_zero is None:
        raise click.UsageError("give at least one of --provider, --branch, --git, "
                               "--scale-to-zero")
    client = ApiClient()
    project = client.request("PATCH", f"/api/v1/projects/{name}", json=changes)["project"] \
        if changes else {}
    described = [f"{key} {project.get(key)}" for key in changes]
    if scale_to_zero is not None:
        scale = client.request("PUT", f"/api/v1/projects/{name}/scale",
                               json={"scale_to_zero": scale_to_zero == "on"})["scale"]
        project = {**project, "scale": scale}
        described.append(f"scale to zero {'on' if scale['scale_to_zero'] else 'off'}")
    emit(as_json, project, f"{name}: " + ", ".join(described))
