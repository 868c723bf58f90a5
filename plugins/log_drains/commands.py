"""``autostack drains [ls|add|set|enable|disable|rm]``: a project's log drains."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project

SOURCES = ("build", "runtime", "edge")


def describe(drain: dict[str, Any]) -> str:
    state = "on" if drain["enabled"] else "off"
    headers = f"  headers: {', '.join(drain['headers'])}" if drain["headers"] else ""
    error = f"\n    last error: {drain['last_error']}" if drain["last_error"] else ""
    return (
        f"{drain['name']:<16}{drain['kind']:<8}{state:<5}{drain['url']}  "
        f"[{', '.join(drain['sources'])}]  sent {drain['sent']}  dropped "
        f"{drain['dropped']}{headers}{error}"
    )


def headers_of(values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, colon, content = value.partition(":")
        if not colon:
            raise click.BadParameter(f"{value!r}: write Name: value", param_hint="--header")
        headers[name.strip()] = content.strip()
    return headers


def path_of(project: str | None, name: str = "") -> str:
    base = f"/api/v1/projects/{resolve_project(project)}/drains"
    return f"{base}/{name}" if name else base


def _list(project: str | None, as_json: bool) -> None:
    result = ApiClient().get(path_of(project))
    emit(
        as_json, result, "\n".join(describe(drain) for drain in result["drains"]) or "no log drains"
    )


@click.group(invoke_without_command=True)
@project_option
@json_option
@click.pass_context
def drains(context: click.Context, project: str | None, as_json: bool) -> None:
    """Log drains: send build, runtime and edge logs to an HTTPS endpoint (NDJSON) or an
    OpenTelemetry collector (OTLP/HTTP)."""
    if context.invoked_subcommand is None:
        _list(project, as_json)


@drains.command(name="ls")
@project_option
@json_option
def drains_ls(project: str | None, as_json: bool) -> None:
    """List the drains with what each sent and dropped."""
    _list(project, as_json)


@drains.command(name="add")
@click.argument("name")
@click.argument("url")
@click.option("--kind", type=click.Choice(["ndjson", "otlp"]), default="ndjson", show_default=True)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(SOURCES),
    help="what to send (repeat; default all)",
)
@click.option("--header", "headers", multiple=True, help="'Name: value' (repeat); sealed")
@project_option
@json_option
def drains_add(
    name: str,
    url: str,
    kind: str,
    sources: tuple[str, ...],
    headers: tuple[str, ...],
    project: str | None,
    as_json: bool,
) -> None:
    """Add drain NAME sending to URL."""
    body: dict[str, Any] = {"name": name, "url": url, "kind": kind, "headers": headers_of(headers)}
    if sources:
        body["sources"] = list(sources)
    result = ApiClient().post(path_of(project), body)
    emit(as_json, result, f"Added {describe(result['drain'])}")


@drains.command(name="set")
@click.argument("name")
@click.option("--url")
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCES))
@click.option(
    "--header", "headers", multiple=True, help="'Name: value' (repeat); replaces every header"
)
@click.option("--clear-headers", is_flag=True)
@project_option
@json_option
def drains_set(
    name: str,
    url: str | None,
    sources: tuple[str, ...],
    headers: tuple[str, ...],
    clear_headers: bool,
    project: str | None,
    as_json: bool,
) -> None:
    """Change drain NAME's URL, sources or headers."""
    body: dict[str, Any] = {}
    if url:
        body["url"] = url
    if sources:
        body["sources"] = list(sources)
    if headers or clear_headers:
        body["headers"] = headers_of(headers)
    result = ApiClient().request("PATCH", path_of(project, name), json=body)
    emit(as_json, result, describe(result["drain"]))


def _switch(name: str, project: str | None, as_json: bool, enabled: bool) -> None:
    result = ApiClient().request("PATCH", path_of(project, name), json={"enabled": enabled})
    emit(as_json, result, describe(result["drain"]))


@drains.command(name="enable")
@click.argument("name")
@project_option
@json_option
def drains_enable(name: str, project: str | None, as_json: bool) -> None:
    """Turn drain NAME on."""
    _switch(name, project, as_json, True)


@drains.command(name="disable")
@click.argument("name")
@project_option
@json_option
def drains_disable(name: str, project: str | None, as_json: bool) -> None:
    """Turn drain NAME off (its settings are kept)."""
    _switch(name, project, as_json, False)


@drains.command(name="rm")
@click.argument("name")
@project_option
@json_option
def drains_rm(name: str, project: str | None, as_json: bool) -> None:
    """Remove drain NAME."""
    ApiClient().delete(path_of(project, name))
    emit(as_json, {"removed": name}, f"Removed {name}")
