"""``autostack templates``: list the server's and its catalog's templates, deploy one."""

from __future__ import annotations

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.deployment_helpers import ensure_project, target_options, wait_and_report
from autostack_core.cli.options import emit, json_option


@click.group()
def templates() -> None:
    """Deployment templates from installed plugins (the marketplace)."""


@templates.command(name="ls")
@click.option("--framework", default="", help="Catalog templates for this framework only")
@json_option
def templates_ls(framework: str, as_json: bool) -> None:
    """List the server's templates and those of its catalog (the Marketplace page's)."""
    market = ApiClient().request("GET", "/api/v1/marketplace",
                                 params={"kind": "template", "framework": framework})
    catalog = market["catalog"]
    result = {"templates": market["templates"], "catalog": catalog}
    lines = [f"{t['slug']:<24} {t['name']} - {t['description']}"
             for t in market["templates"]] or ["no templates installed"]
    lines.append(catalog["error"] or f"catalog ({catalog['source']}):")
    lines += [f"    {entry['template']:<20} {entry['name']} {entry['version']}"
              f"{' [installed]' if entry['installed_version'] else ''}: {entry['install']}"
              for entry in catalog["entries"]]
    emit(as_json, result, "\n".join(lines))


@templates.command(name="deploy")
@click.argument("slug")
@click.option("--project", required=True, help="Name of the new project")
@target_options
@json_option
def templates_deploy(slug: str, project: str, target: str, as_json: bool) -> None:
    """Create a project from a template and deploy it."""
    client = ApiClient()
    ensure_project(client, project)
    deployment = client.post(f"/api/v1/projects/{project}/deployments", {
        "template": slug, "target": target})
    wait_and_report(client, deployment["id"], as_json)
