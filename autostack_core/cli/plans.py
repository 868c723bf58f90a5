"""``autostack plans``, ``autostack teams set-plan``, ``autostack usage``, ``autostack billing``.

Plans are the server admins' (``AUTOSTACK_ADMINS``): everyone may list them;
creating, editing, deleting and assigning them is refused to anyone else by
the server. ``usage`` shows a team's plan, each limit against what the team
uses now, and the month's usage per project.
"""

from __future__ import annotations

import re
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, team_option, team_slug

LIMITS = ("projects", "members", "custom_domains", "deployments_per_day",
          "build_minutes_per_month", "bandwidth_bytes_per_month", "storage_bytes",
          "concurrent_builds")
BYTE_LIMITS = ("bandwidth_bytes_per_month", "storage_bytes")
RATES = ("throttle_rate", "rate_limit_address", "rate_limit_project")
"""Rate limits, RATE/BURST (requests per second, then at once); checked by the server."""
UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def limit_value(text: str, byte_limit: bool) -> int | None:
    """``unlimited`` as None, a number, or for bytes a size such as ``100GB`` or ``1TB``."""
    if text.lower() in ("unlimited", "none", "-"):
        return None
    match = re.fullmatch(r"(\d+)\s*([KMGT]?B?)", text.strip(), re.I) if byte_limit else \
        re.fullmatch(r"(\d+)()", text.strip())
    if match is None:
        kind = "a size such as 100GB" if byte_limit else "a whole number"
        raise click.BadParameter(f"give {kind} or 'unlimited', not {text!r}")
    return int(match.group(1)) * UNITS[match.group(2).upper()]


def shown(limit: str, value: Any) -> str:
    if value is None:
        return "unlimited"
    if limit in BYTE_LIMITS or limit == "bandwidth_bytes":
        for unit in ("TB", "GB", "MB", "KB"):
            if value >= UNITS[unit]:
                return f"{value / UNITS[unit]:g} {unit}"
        return f"{value} B"
    return f"{value:g}" if isinstance(value, float) else str(value)


def limit_options(command: Any) -> Any:
    rate_help = {"throttle_rate": "RATE/BURST a project is served at past the bandwidth "
                                  "when the plan throttles (default 5/10)",
                 "rate_limit_address": "RATE/BURST per client address on one project, or "
                                       "'server' for the server's setting",
                 "rate_limit_project": "RATE/BURST per project, or 'server' for the "
                                       "server's setting"}
    for rate in reversed(RATES):
        command = click.option(f"--{rate.replace('_', '-')}", rate, default=None,
                               help=rate_help[rate])(command)
    for limit in reversed(LIMITS):
        help_text = "bytes, e.g. 100GB, or 'unlimited'" if limit in BYTE_LIMITS else \
            "a number or 'unlimited'"
        command = click.option(f"--{limit.replace('_', '-')}", limit, default=None,
                               help=help_text)(command)
    return command


def limits_given(values: dict[str, str | None]) -> dict[str, int | str | None]:
    given: dict[str, int | str | None] = {
        limit: limit_value(text, limit in BYTE_LIMITS)
        for limit, text in values.items() if limit in LIMITS and text is not None}
    given.update({rate: None if text.lower() in ("server", "none") else text
                  for rate, text in values.items() if rate in RATES and text is not None})
    return given


def plan_line(plan: dict[str, Any]) -> str:
    figures = ", ".join(f"{limit.replace('_', ' ')} {shown(limit, plan[limit])}"
                        for limit in LIMITS)
    default = " (default)" if plan["is_default"] else ""
    rates = ", ".join(f"{rate.removeprefix('rate_limit_')} {plan.get(rate) or 'server'}"
                      for rate in RATES[1:])
    return f"{plan['slug']:<12} {plan['name']}{default}: {figures}; over bandwidth: " \
           f"{plan['over_bandwidth']} (throttle {plan.get('throttle_rate')}); " \
           f"rate limits: {rates}"


@click.group()
def plans() -> None:
    """List the server's plans; create, edit and delete them (server admins)."""


@plans.command(name="ls")
@json_option
def plans_ls(as_json: bool) -> None:
    """Every plan and its limits."""
    result = ApiClient().get("/api/v1/plans")
    emit(as_json, result, "\n".join(plan_line(plan) for plan in result["plans"]))


@plans.command(name="create")
@click.argument("slug")
@click.option("--name", required=True, help="The plan's name, as teams see it")
@limit_options
@click.option("--over-bandwidth", type=click.Choice(["block", "throttle"]), default="block",
              show_default=True, help="What the edge does past the month's bandwidth")
@click.option("--default", "is_default", is_flag=True,
              help="The plan of every team not assigned one")
@json_option
def plans_create(slug: str, name: str, over_bandwidth: str, is_default: bool, as_json: bool,
                 **limits: str | None) -> None:
    """Create a plan (limits not given are unlimited)."""
    body = {"slug": slug, "name": name, "over_bandwidth": over_bandwidth,
            "is_default": is_default, **limits_given(limits)}
    plan = ApiClient().post("/api/v1/plans", body)["plan"]
    emit(as_json, plan, f"Created {plan_line(plan)}")


@plans.command(name="edit")
@click.argument("slug")
@click.option("--name", default=None, help="A new name")
@limit_options
@click.option("--over-bandwidth", type=click.Choice(["block", "throttle"]), default=None)
@click.option("--default/--not-default", "is_default", default=None,
              help="Make it (or stop it being) the plan of teams not assigned one")
@json_option
def plans_edit(slug: str, name: str | None, over_bandwidth: str | None,
               is_default: bool | None, as_json: bool, **limits: str | None) -> None:
    """Change a plan's name, limits ('unlimited' removes one) or bandwidth policy."""
    body: dict[str, Any] = limits_given(limits)
    for key, value in (("name", name), ("over_bandwidth", over_bandwidth),
                       ("is_default", is_default)):
        if value is not None:
            body[key] = value
    plan = ApiClient().request("PATCH", f"/api/v1/plans/{slug}", json=body)["plan"]
    emit(as_json, plan, f"Updated {plan_line(plan)}")


@plans.command(name="rm")
@click.argument("slug")
def plans_rm(slug: str) -> None:
    """Delete a plan no team is on."""
    ApiClient().delete(f"/api/v1/plans/{slug}")
    click.echo(f"Deleted plan {slug}")


@click.group()
def teams() -> None:
    """Teams' plans (server admins)."""


@teams.command(name="set-plan")
@click.argument("team")
@click.argument("plan")
@json_option
def teams_set_plan(team: str, plan: str, as_json: bool) -> None:
    """Put TEAM (its slug) on PLAN (a plan's slug, or 'default')."""
    body = {"plan": None if plan == "default" else plan}
    result = ApiClient().request("PUT", f"/api/v1/teams/{team}/plan", json=body)
    applied = result["plan"]["name"] if result["plan"] else "no plan (no limits)"
    emit(as_json, result, f"{team} is on {applied}")


@click.command()
@team_option
@click.option("--month", default=None, help="YYYY-MM [this month]")
@json_option
def usage(team: str | None, month: str | None, as_json: bool) -> None:
    """A team's plan, its limits against what it uses, and the month's usage per project."""
    client = ApiClient()
    slug = team_slug(client, team)
    result = client.get(f"/api/v1/teams/{slug}/usage", params={"month": month} if month else {})
    plan = result["plan"]["name"] if result["plan"] else "no plan (no limits)"
    lines = [f"{slug}: {plan}"]
    lines += [f"  {row['limit'].replace('_', ' '):<26} {shown(row['limit'], row['used']):>12}"
              f" of {shown(row['limit'], row['allowed'])}" for row in result["limits"]]
    figures = result["usage"]
    lines.append(f"{figures['month']}:")
    for row in [*figures["projects"], {"project": "total", **figures["total"]}]:
        lines.append(f"  {row['project']:<26} {row['build_minutes']:>8g} build min  "
                     f"{shown('bandwidth_bytes', row['bandwidth_bytes']):>10}  "
                     f"{row['requests']:>8} requests  "
                     f"{row['function_invocations']:>8} function invocations")
    emit(as_json, result, "\n".join(lines))


@click.group()
def billing() -> None:
    """Hand the teams' usage to the billing plugins (server admins)."""


@billing.command(name="run")
@click.option("--month", default=None, help="YYYY-MM, a month that is over [last month]")
@json_option
def billing_run(month: str | None, as_json: bool) -> None:
    """Call every billing plugin with each team's plan and usage of the month."""
    result = ApiClient().request("POST", "/api/v1/billing/run",
                                 params={"month": month} if month else {})
    lines = [f"{row['team']}: {'failed: ' + row['error'] if row['error'] else 'billed'}"
             for row in result["teams"]]
    emit(as_json, result, f"{result['month']}:\n" + "\n".join(lines))
    if any(row["error"] for row in result["teams"]):
        raise SystemExit(1)


commands: list[click.Command] = [plans, teams, usage, billing]
