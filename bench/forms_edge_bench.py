"""What the forms route costs the edge's other requests, in Caddy CPU time per request.

Run with ``.venv/bin/python bench/forms_edge_bench.py``. The real local edge's
configuration (one static deployment) is measured as shipped, with the route
that sends a static deployment's form posts to the control plane
(:mod:`autostack_plugins.providers.local.edge_forms`), and with that route
taken out (the profile's handler alone), with ``GET`` requests for a 2 KB
file: the requests the route must not slow down. Each round runs both in a
Caddy of their own, interleaved, :data:`ROUNDS` rounds; the measure and the
runner are ``edge_cpu_bench``'s (utime + stime per request over a ``wrk`` run).
"""

from __future__ import annotations

import asyncio
import copy
import statistics
import tempfile
from pathlib import Path
from typing import Any

from edge_cpu_bench import cpu_per_request, edge_configs

from autostack_plugins.providers.local.edge_forms import FORMS_ROUTE

ROUNDS = 5
JSON = dict[str, Any]


def without_forms(node: Any) -> Any:
    """``node`` with every profile's forms subroute replaced by the handler it wraps."""
    if isinstance(node, list):
        return [without_forms(item) for item in node]
    if not isinstance(node, dict):
        return node
    routes = node.get("routes")
    if (
        node.get("handler") == "subroute"
        and isinstance(routes, list)
        and len(routes) == 2
        and routes[0].get("handle", [{}])[0].get("name") == FORMS_ROUTE
    ):
        return without_forms(routes[1]["handle"][0])
    return {key: without_forms(value) for key, value in node.items()}


async def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        shipped, _, _ = await edge_configs(root)
        bare = without_forms(copy.deepcopy(shipped))
        assert bare != shipped, "no forms route found in the shipped configuration"
        costs: dict[str, list[float]] = {"without the forms route": [], "as shipped": []}
        for _ in range(ROUNDS):
            costs["without the forms route"].append(cpu_per_request(root, bare, "bench.localhost"))
            costs["as shipped"].append(cpu_per_request(root, shipped, "bench.localhost"))
    baseline = statistics.median(costs["without the forms route"])
    for name, values in costs.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.1f}" for value in values)
        print(
            f"{name:28s} median {median:6.1f} us/request ({runs})  "
            f"this/without {median / baseline:.2f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
