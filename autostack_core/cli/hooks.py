"""``autostack deploy-hooks ls|add|rm``: a project's deploy hook URLs."""

from __future__ import annotations

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


@click.group(name="deploy-hooks")
def deploy_hooks() -> None:
    """Secret URLs that deploy a branch when something POSTs to them."""


@deploy_hooks.command(name="ls")
@project_option
@json_option
def hooks_ls(project: str | None, as_json: bool) -> None:
    """List the project's deploy hooks and their URLs."""
    name = resolve_project(project)
    hooks = ApiClient().get(f"/api/v1/projects/{name}/deploy-hooks")["deploy_hooks"]
    lines = [f"{hook['id']}  {hook['name']}  {hook['branch']}  {hook['url']}" for hook in hooks]
    emit(as_json, hooks, "\n".join(lines) or "No deploy hooks")


@deploy_hooks.command(name="add")
@click.argument("hook_name")
@click.option("--branch", default=None, help="Branch to deploy [production branch]")
@project_option
@json_option
def hooks_add(hook_name: str, branch: str | None, project: str | None, as_json: bool) -> None:
    """Create a deploy hook named HOOK_NAME and print its URL."""
    name = resolve_project(project)
    body = {"name": hook_name, **({"branch": branch} if branch else {})}
    hook = ApiClient().post(f"/api/v1/projects/{name}/deploy-hooks", body)["deploy_hook"]
    emit(as_json, hook, f"Deploy hook {hook['name']} ({hook['branch']}): {hook['url']}")


@deploy_hooks.command(name="rm")
@click.argument("hook_id", type=int)
@project_option
@json_option
def hooks_rm(hook_id: int, project: str | None, as_json: bool) -> None:
    """Revoke deploy hook HOOK_ID (see ``ls``); its URL stops working."""
    name = resolve_project(project)
    ApiClient().request("DELETE", f"/api/v1/projects/{name}/deploy-hooks/{hook_id}")
    emit(as_json, {"deleted": hook_id}, f"Revoked deploy hook {hook_id}")
