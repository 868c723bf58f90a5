"""What the edge's rate-limit check costs: requests per second through the real edge with
an edge limit set (never reached) against the same edge without one, in the same run.

Run with ``.venv/bin/python bench/rate_limit_bench.py``. Two real servers (SQLite,
the local Caddy edge) each serve the same deployed 2 KB page; ``wrk -t1 -c10
-d3s`` runs against each in turn, :data:`ROUNDS` interleaved rounds, and the
medians are compared. With a limit set every hosted request makes a round trip
to the control plane (:mod:`autostack_plugins.providers.local.edge_rate_limits`),
which is what this measures.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from edge_cpu_bench import wrk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import signed_in_server
from tests.e2e.test_deploy import deploy

ROUNDS = 3
NEVER = "1000000/1000000"


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        site = root / "site"
        site.mkdir()
        (site / "index.html").write_text("x" * 2048)
        (root / "plain").mkdir()
        (root / "limited").mkdir()
        with signed_in_server(root / "plain", None) as plain, \
                signed_in_server(root / "limited", None, AUTOSTACK_RATE_LIMIT_ADDRESS=NEVER,
                                 AUTOSTACK_RATE_LIMIT_PROJECT=NEVER) as limited:
            servers = {"no limit": plain, "limit set": limited}
            for server in servers.values():
                deploy(server, site, "--prod", "--project", "bench")
            rates: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(ROUNDS):
                for name, server in servers.items():
                    url = f"http://127.0.0.1:{server.edge_port}/"
                    wrk(url, "bench.localhost", 1)
                    rates[name].append(wrk(url, "bench.localhost", 3) / 3)
    baseline = statistics.median(rates["no limit"])
    for name, values in rates.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"{name:>10}: {median:7.0f} req/s ({runs}), {median / baseline:.2f}x")


if __name__ == "__main__":
    main()
