"""``autostack uptime [status|incidents|checks|check|set|enable|disable]``: a project's uptime."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


def percent(value: float | None) -> str:
    return "no checks yet" if value is None else f"{value:.2f}%"


def describe_incident(incident: dict[str, Any]) -> str:
    until = incident["ended_at"][:19] if incident["ended_at"] else "ongoing"
    return (
        f"{incident['started_at'][:19]} .. {until}  {incident['hostname']}  "
        f"{incident['kind']}: {incident['detail']} ({incident['checks_failed']} checks failed)"
    )


def describe_check(check: dict[str, Any]) -> str:
    outcome = "ok" if check["ok"] else f"FAILED {check['error']}"
    code = "" if check["status_code"] is None else f" {check['status_code']}"
    return f"{check['slot'][:19]}  {check['hostname']}{code}  {outcome}  {check['duration_ms']} ms"


def _status(project: str | None, as_json: bool) -> None:
    name = resolve_project(project)
    result = ApiClient().get(f"/api/v1/projects/{name}/uptime")
    config = result["settings"]
    lines = [
        f"checks are {'on' if config['enabled'] else 'off'}: GET {config['path']} every "
        f"{config['interval']} s, an incident after {config['failures']} failures",
        f"uptime: 24 h {percent(result['uptime_24h'])}, 30 days {percent(result['uptime_30d'])}",
    ]
    lines += [f"{row['status']:<8}{row['url']}" for row in result["hostnames"]] or [
        "no production deployment: nothing to check"
    ]
    current = [row for row in result["incidents"] if row["ended_at"] is None]
    lines += [f"open: {describe_incident(row)}" for row in current]
    emit(as_json, result, "\n".join(lines))


@click.group(invoke_without_command=True)
@project_option
@json_option
@click.pass_context
def uptime(context: click.Context, project: str | None, as_json: bool) -> None:
    """Uptime checks of production: status, incidents, checks, check, set, enable, disable."""
    if context.invoked_subcommand is None:
        _status(project, as_json)


@uptime.command(name="status")
@project_option
@json_option
def uptime_status(project: str | None, as_json: bool) -> None:
    """Each production URL's status, the uptime over 24 hours and 30 days."""
    _status(project, as_json)


@uptime.command(name="incidents")
@project_option
@json_option
def uptime_incidents(project: str | None, as_json: bool) -> None:
    """The incidents, newest first: when, which hostname, why, how many checks failed."""
    result = ApiClient().get(f"/api/v1/projects/{resolve_project(project)}/uptime/incidents")
    emit(
        as_json,
        result,
        "\n".join(describe_incident(row) for row in result["incidents"]) or "no incidents",
    )


@uptime.command(name="checks")
@project_option
@json_option
def uptime_checks(project: str | None, as_json: bool) -> None:
    """The latest checks: slot, hostname, status code, outcome, duration."""
    result = ApiClient().get(f"/api/v1/projects/{resolve_project(project)}/uptime/checks")
    emit(
        as_json,
        result,
        "\n".join(describe_check(row) for row in result["checks"]) or "no checks yet",
    )


@uptime.command(name="check")
@project_option
@json_option
def uptime_check(project: str | None, as_json: bool) -> None:
    """Check every production URL now (it counts like a scheduled check)."""
    result = ApiClient().post(f"/api/v1/projects/{resolve_project(project)}/uptime/checks", {})
    emit(
        as_json,
        result,
        "\n".join(describe_check(row) for row in result["checks"])
        or "no production deployment: nothing to check",
    )


def _change(project: str | None, as_json: bool, changes: dict[str, Any]) -> None:
    result = ApiClient().request(
        "PATCH", f"/api/v1/projects/{resolve_project(project)}/uptime", json=changes
    )
    config = result["settings"]
    emit(
        as_json,
        result,
        f"checks are {'on' if config['enabled'] else 'off'}: GET "
        f"{config['path']} every {config['interval']} s",
    )


@uptime.command(name="set")
@click.option("--path", default=None, help="Path to check [/]")
@click.option("--interval", type=int, default=None, help="Seconds between checks [60]")
@click.option("--timeout", type=int, default=None, help="Seconds to wait for an answer [10]")
@click.option(
    "--failures", type=int, default=None, help="Consecutive failed checks that open an incident [2]"
)
@click.option("--errors-percent", type=int, default=None, help="5xx share of a spike [10]")
@click.option("--errors-min", type=int, default=None, help="Fewest 5xx of a spike [10]")
@click.option("--errors-window", type=int, default=None, help="Seconds a spike spans [300]")
@project_option
@json_option
def uptime_set(project: str | None, as_json: bool, **options: Any) -> None:
    """Change how production is checked."""
    _change(project, as_json, {key: value for key, value in options.items() if value is not None})


@uptime.command(name="enable")
@project_option
@json_option
def uptime_enable(project: str | None, as_json: bool) -> None:
    """Turn uptime checks on."""
    _change(project, as_json, {"enabled": True})


@uptime.command(name="disable")
@project_option
@json_option
def uptime_disable(project: str | None, as_json: bool) -> None:
    """Turn uptime checks off (open incidents end, nothing is checked or alerted)."""
    _change(project, as_json, {"enabled": False})
