"""What analytics cost the edge, per design, in Caddy CPU time per request.

Run with ``.venv/bin/python bench/edge_analytics_bench.py [rounds]``. The same
method as ``edge_cpu_bench.py`` (whose functions it uses): CPU time
(utime + stime) of a Caddy of its own per configuration over a
``wrk -t1 -c10 -d4s`` run on a 2 KB file, rounds interleaved, medians, and
every figure relative to a bare Caddy ``file_server`` measured in the same run.
The edge's configuration is dumped from a real edge (one profile), then varied
in how it records requests for analytics:

* no access log (no analytics: the floor of the routing itself);
* the access log as shipped (what ``edge_analytics`` reads);
* the access log trimmed to what analytics read: the request's headers,
  TLS and protocol fields deleted by the encoder, the user agent and referrer
  appended as two fields (``log_append``);
* the shipped log sampled by zap (first 100 a second, then 1 in 10): per-path
  detail sampled; counts would have to be scaled;
* the shipped log written to a UDP socket (Caddy's ``net`` writer) that a
  collector would read: the file system out of Caddy's path;
* Caddy's own per-host Prometheus metrics instead of the log (counts,
  durations and sizes per host and status: no path, referrer or visitor).
"""

from __future__ import annotations

import asyncio
import copy
import socket
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from edge_cpu_bench import JSON, cpu_per_request, edge_configs, with_access_log, without_access_log

ANALYTICS_HEADERS = {
    "ua": "{http.request.header.User-Agent}",
    "ref": "{http.request.header.Referer}",
}


def access_logger(config: JSON) -> JSON:
    logger: JSON = config["logging"]["logs"]["access"]
    return logger


def trimmed(config: JSON) -> JSON:
    """The shipped log without request headers, TLS and protocol; UA and referrer appended."""
    config = copy.deepcopy(config)
    fields = access_logger(config)["encoder"]["fields"]
    for name in (
        "request>headers",
        "request>tls",
        "request>proto",
        "request>remote_port",
        "bytes_read",
        "user_id",
    ):
        fields[name] = {"filter": "delete"}
    server = next(iter(config["apps"]["http"]["servers"].values()))
    appends = [
        {"handler": "log_append", "key": key, "value": value}
        for key, value in ANALYTICS_HEADERS.items()
    ]
    server["routes"] = [{"handle": appends}, *server["routes"]]
    return config


def sampled(config: JSON) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["sampling"] = {"interval": 1_000_000_000, "first": 100, "thereafter": 10}
    return config


def to_udp(config: JSON, port: int) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["writer"] = {"output": "net", "address": f"udp/127.0.0.1:{port}"}
    return config


def per_host_metrics(config: JSON) -> JSON:
    config = without_access_log(config)
    config["apps"]["http"]["metrics"] = {"per_host": True}
    return config


def udp_sink() -> int:
    """A UDP socket on the loopback that reads and drops what it gets (a collector's stand-in)."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))

    def drain() -> None:
        while True:
            sink.recv(65536)

    threading.Thread(target=drain, daemon=True).start()
    port: int = sink.getsockname()[1]
    return port


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        shipped, _, static = await edge_configs(root)
        bare: JSON = {
            "apps": {
                "http": {
                    "servers": {
                        "bare": {
                            "automatic_https": {"disable": True},
                            "routes": [
                                {"handle": [{"handler": "file_server", "root": str(static)}]}
                            ],
                        }
                    }
                }
            }
        }
        variants: dict[str, JSON] = {
            "bare Caddy file_server, no log": bare,
            "bare + JSON access log to a file": with_access_log(
                bare, {"output": "file", "filename": str(root / "bare.log")}
            ),
            "edge, no access log (no analytics)": without_access_log(shipped),
            "edge, access log as shipped": shipped,
            "edge, access log trimmed to analytics' fields": trimmed(shipped),
            "edge, access log sampled (100/s, then 1 in 10)": sampled(shipped),
            "edge, access log to UDP (net writer)": to_udp(shipped, udp_sink()),
            "edge, per-host metrics, no access log": per_host_metrics(shipped),
        }
        costs: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, config in variants.items():
                costs[name].append(cpu_per_request(root, config, "bench.localhost"))
    baseline = statistics.median(costs["bare Caddy file_server, no log"])
    for name, values in costs.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"{name:50s} {median:6.1f} us/request ({runs})  bare/this {baseline / median:.2f}x")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
