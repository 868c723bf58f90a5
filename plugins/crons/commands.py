"""``autostack crons [list|runs|run-now|enable|disable]``: a project's crons and their runs."""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


def describe_run(run: dict[str, Any]) -> str:
    outcome = str(run["status_code"]) if run["status_code"] is not None else (
        run["error"] or "running")
    took = "" if run["duration_ms"] is None else f"  {run['duration_ms']} ms"
    how = "by hand" if run["manual"] else run["schedule"]
    return f"{run['created_at'][:19]}  {run['path']}  {outcome}{took}  ({how})"


def _list(project: str | None, as_json: bool) -> None:
    result = ApiClient().get(f"/api/v1/projects/{resolve_project(project)}/crons")
    lines = [f"crons are {'on' if result['enabled'] else 'off'}"
             + (f" (production deployment {result['deployment']})"
                if result["deployment"] else " (no production deployment)")]
    lines += [f"{cron['schedule']:<20}{cron['path']}  next: {cron['next_run'] or 'never'}"
              for cron in result["crons"]] or ["no crons in production's vercel.json"]
    emit(as_json, result, "\n".join(lines))


@click.group(invoke_without_command=True)
@project_option
@json_option
@click.pass_context
def crons(context: click.Context, project: str | None, as_json: bool) -> None:
    """Cron jobs from vercel.json: list, runs, run-now, enable, disable."""
    if context.invoked_subcommand is None:
        _list(project, as_json)


@crons.command(name="list")
@project_option
@json_option
def crons_list(project: str | None, as_json: bool) -> None:
    """List production's crons with their next run."""
    _list(project, as_json)


@crons.command(name="runs")
@project_option
@json_option
def crons_runs(project: str | None, as_json: bool) -> None:
    """The latest runs: time, path, status code (or error), duration."""
    result = ApiClient().get(f"/api/v1/projects/{resolve_project(project)}/crons/runs")
    emit(as_json, result, "\n".join(describe_run(run) for run in result["runs"]) or "no runs")


@crons.command(name="run-now")
@click.argument("path")
@project_option
@json_option
def crons_run_now(path: str, project: str | None, as_json: bool) -> None:
    """Run production's cron for PATH now (it shows in `autostack crons runs`)."""
    result = ApiClient().post(f"/api/v1/projects/{resolve_project(project)}/crons/runs",
                              {"path": path})
    emit(as_json, result, f"Queued run {result['id']} of {result['path']}")


def _switch(project: str | None, as_json: bool, enabled: bool) -> None:
    result = ApiClient().request("PATCH", f"/api/v1/projects/{resolve_project(project)}/crons",
                                 json={"enabled": enabled})
    emit(as_json, result, f"crons are {'on' if enabled else 'off'}")


@crons.command(name="enable")
@project_option
@json_option
def crons_enable(project: str | None, as_json: bool) -> None:
    """Turn the project's crons on."""
    _switch(project, as_json, True)


@crons.command(name="disable")
@project_option
@json_option
def crons_disable(project: str | None, as_json: bool) -> None:
    """Turn the project's crons off: nothing is scheduled until they are on again."""
    _switch(project, as_json, False)
