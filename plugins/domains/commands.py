"""``autostack domains add|ls|verify|rm``: a project's custom domains and their DNS records."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


def describe(domain: dict[str, Any]) -> str:
    """A domain, its state, and the DNS records with a mark for those already right."""
    state = "verified" if domain["verified"] else "not verified"
    target = (f"redirects ({domain['redirect_status']}) to {domain['redirect_to']}"
              if domain["redirect_to"] else f"-> {domain['target']}")
    ssl = domain["ssl"]
    certificate = ssl["status"] + (f" until {ssl['expires_at'][:10]}" if ssl["expires_at"] else "")
    lines = [f"{domain['name']}  {state}  {target}  certificate: {certificate}"]
    if ssl["error"]:
        lines.append(f"  certificate error: {ssl['error']}")
    zone = domain.get("dns_zone")
    if zone:
        lines.append(f"  records written by AutoStack in {zone['zone']} ({zone['dns_host']})"
                     + (f"; failed: {zone['error']}" if zone["error"] else ""))
    if not domain["verified"] or not domain["dns_configured"]:
        lines.append("  DNS records (TXT proves ownership; A/AAAA for an apex, CNAME otherwise):")
        for record in domain["records"]:
            mark = "ok " if record["ok"] else "-- "
            now = ", ".join(record["current"]) or "nothing"
            lines.append(f"   {mark}{record['type']:<6}{record['name']}  {record['value']}"
                         f"  (now: {now})")
        lines.append(f"  or serve {domain['verification']['http']['url']} with the token")
    return "\n".join(lines)


@click.group()
def domains() -> None:
    """Custom domains: add, list, verify, remove."""


@domains.command(name="add")
@click.argument("name")
@click.option("--branch", default=None, help="Follow this branch's alias [production]")
@click.option("--redirect-to", default=None, help="Redirect every request to this domain")
@click.option("--status", "redirect_status", type=click.Choice(["301", "302", "307", "308"]),
              default=None, help="Redirect status [308]")
@click.option("--www", "counterpart", is_flag=True,
              help="Also add the www/apex counterpart, redirecting here")
@project_option
@json_option
def domains_add(name: str, branch: str | None, redirect_to: str | None,
                redirect_status: str | None, counterpart: bool, project: str | None,
                as_json: bool) -> None:
    """Add domain NAME and print the DNS records to create."""
    project_name = resolve_project(project)
    result = ApiClient().post(f"/api/v1/projects/{project_name}/domains", {
        "name": name, "git_branch": branch, "redirect_to": redirect_to,
        "redirect_status": int(redirect_status) if redirect_status else None,
        "redirect_counterpart": counterpart})
    emit(as_json, result, "\n".join(describe(domain) for domain in result["domains"]))


@domains.command(name="ls")
@project_option
@json_option
def domains_ls(project: str | None, as_json: bool) -> None:
    """List the project's domains with their state."""
    project_name = resolve_project(project)
    result = ApiClient().get(f"/api/v1/projects/{project_name}/domains")
    emit(as_json, result, "\n".join(describe(domain) for domain in result["domains"])
         or "no domains")


@domains.command(name="verify")
@click.argument("name")
@project_option
@json_option
def domains_verify(name: str, project: str | None, as_json: bool) -> None:
    """Check NAME's TXT record (or HTTP token) now; exit 1 while not verified."""
    project_name = resolve_project(project)
    result = ApiClient().post(f"/api/v1/projects/{project_name}/domains/{name}/verify")
    emit(as_json, result, describe(result))
    if not result["verified"]:
        raise SystemExit(1)


@domains.command(name="rm")
@click.argument("name")
@project_option
@json_option
def domains_rm(name: str, project: str | None, as_json: bool) -> None:
    """Remove NAME: the edge stops serving it."""
    project_name = resolve_project(project)
    ApiClient().delete(f"/api/v1/projects/{project_name}/domains/{name}")
    emit(as_json, {"removed": name}, f"Removed {name}")
