"""``autostack cost``: what a project's deployments cost, as measured and priced.

It shows ``GET /api/v1/projects/{name}/usage``: the runtime's hourly estimate,
each measured deployment's usage and its cost at its runtime's price table,
and that table with its source and date (``docs/cost.md``).
"""

from __future__ import annotations

from typing import Any

import click

from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


def describe(name: str, view: dict[str, Any]) -> str:
    estimate = view["estimate"]
    lines = [f"{name}: " + (f"{estimate['hourly']:g} {estimate['currency']} an hour, "
                            f"{estimate['monthly']:g} a month on {estimate['runtime']} "
                            "(estimate for its allotted resources)" if estimate
                            else "no estimate (nothing ready, or the runtime is not installed)")]
    for row in view["deployments"]:
        cost = row["cost"]
        priced = "no price table" if cost is None else f"{cost['total']:.4f} {cost['currency']}"
        lines.append(f"  {row['deployment']}  {row['runtime']:<10} {row['from']}..{row['to']}  "
                     f"{row['cpu_seconds']:g} CPU-s  {row['memory_gib_hours']:g} GiB-h  "
                     f"{row['hours']:g} h  {row['requests']} requests  {priced}")
    if not view["deployments"]:
        lines.append("  no usage measured yet")
    prices = view["prices"]
    if prices:
        taken = f"as of {prices['as_of']}" if prices["as_of"] else "set by the server's admin"
        lines.append(f"prices ({taken}; {prices['source']}):")
        lines += [f"  {item['name']:<14} {item['price']:.8g} {prices['currency']} a "
                  f"{item['unit']}" + (f" ({item['note']})" if item["note"] else "")
                  for item in prices["items"]]
    return "\n".join(lines)


@click.command()
@project_option
@json_option
def cost(project: str | None, as_json: bool) -> None:
    """What the project's deployments cost: measured usage at the runtime's prices."""
    name = resolve_project(project)
    view = ApiClient().get(f"/api/v1/projects/{name}/usage")
    emit(as_json, view, describe(name, view))
