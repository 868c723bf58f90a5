"""``autostack rollout``: follow, advance (approve) or abort a project's rolling release.

A rolling release starts with ``autostack promote DEPLOYMENT --rolling 5,25,100``.
"""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option


def side(name: str, deployment: str, weight: int, counted: dict[str, Any] | None) -> str:
    if counted is None:
        return f"{name:<9} {deployment:<18} {weight:>5}%"
    rate = "-" if counted["error_rate"] is None else f"{counted['error_rate']}%"
    p95 = "-" if counted["p95_ms"] is None else f"{counted['p95_ms']:.0f} ms"
    return (f"{name:<9} {deployment:<18} {weight:>5}% {counted['requests']:>9} "
            f"{rate:>8} {p95:>10}")


def describe(rollout: dict[str, Any] | None) -> str:
    """The rolling release: state, stage, each side's weight, requests, 5xx rate and p95."""
    if rollout is None:
        return "No rolling release yet."
    stages = rollout["stages"]
    shown = min(rollout["stage"], len(stages) - 1)
    plan = " -> ".join(f"{stage['percent']}%" for stage in stages) + " -> 100%"
    lines = [f"Rolling release {rollout['id']}: {rollout['state']}, stage {shown + 1} of "
             f"{len(stages)} ({plan})"]
    if rollout["reason"]:
        lines.append(f"Reason: {rollout['reason']}")
    if rollout["stage_ends_at"]:
        lines.append(f"Stage ends at {rollout['stage_ends_at']}")
    elif rollout["state"] == "awaiting_approval":
        lines.append("Waiting for approval: autostack rollout advance")
    measure = rollout["measure"] or {}
    lines.append(f"{'SIDE':<9} {'DEPLOYMENT':<18} {'WEIGHT':>6} {'REQUESTS':>9} "
                 f"{'5XX RATE':>8} {'P95':>10}")
    weights = rollout["weights"]
    lines.append(side("previous", rollout["from_deployment"],
                      weights[rollout["from_deployment"]], measure.get("previous")))
    lines.append(side("new", rollout["to_deployment"], weights[rollout["to_deployment"]],
                      measure.get("new")))
    p95 = f", p95 above {rollout['max_p95_ms']} ms" if rollout["max_p95_ms"] else ""
    lines.append(f"Aborts at 5xx above {rollout['max_error_rate']}%{p95}, or "
                 f"{rollout['failure_budget']} failed requests")
    return "\n".join(lines)


@click.group()
def rollout() -> None:
    """Rolling releases: production moved to a deployment stage by stage."""


@rollout.command(name="status")
@click.argument("name")
@json_option
def status(name: str, as_json: bool) -> None:
    """Show a project's newest rolling release with both sides' answers in this stage."""
    result = ApiClient().get(f"/api/v1/projects/{name}/rolling-release")
    emit(as_json, result, describe(result["rolling_release"]))


@rollout.command(name="advance")
@click.argument("name")
@json_option
def advance(name: str, as_json: bool) -> None:
    """Move to the next stage now (approve a stage that waits); after the last, promote."""
    result = ApiClient().post(f"/api/v1/projects/{name}/rolling-release/advance")
    emit(as_json, result, describe(result["rolling_release"]))


@rollout.command(name="abort")
@click.argument("name")
@click.option("--reason", default="aborted by hand", help="Why, for the record")
@json_option
def abort(name: str, reason: str, as_json: bool) -> None:
    """Abort: all production traffic goes back to the previous deployment at once."""
    result = ApiClient().post(f"/api/v1/projects/{name}/rolling-release/abort",
                              {"reason": reason})
    emit(as_json, result, describe(result["rolling_release"]))


commands: list[click.Command] = [rollout]
