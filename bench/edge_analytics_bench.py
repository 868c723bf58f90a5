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
  durations and sizes per host and status: no path, referrer or visitor);
* (2026-12-07) the shipped log to a unix stream socket a collector reads
  (the ``net`` writer without UDP's per-line datagram); the shipped log file
  on a tmpfs (``/dev/shm``: no file system journal in the write); the log
  with Caddy's plain JSON encoder (no ``filter`` wrapper: what the field
  filters cost); the log sampled 1 in 10 plus per-host metrics for the
  exact counts (the combined design the issue suggests).
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


def to_unix_socket(config: JSON, path: Path) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["writer"] = {"output": "net", "address": f"unix/{path}"}
    return config


def to_file(config: JSON, path: Path) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["writer"] = {"output": "file", "filename": str(path)}
    return config


def plain_json(config: JSON) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["encoder"] = {"format": "json"}
    return config


def sampled_with_metrics(config: JSON) -> JSON:
    config = copy.deepcopy(config)
    access_logger(config)["sampling"] = {"interval": 1_000_000_000, "first": 1, "thereafter": 10}
    config["apps"]["http"]["metrics"] = {"per_host": True}
    return config


def unix_sink(path: Path) -> Path:
    """A unix stream socket whose connections are read and dropped (a collector's stand-in)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)

    def serve(connection: socket.socket) -> None:
        while connection.recv(1 << 16):
            pass

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return path


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
    with tempfile.TemporaryDirectory() as temporary, \
            tempfile.TemporaryDirectory(dir="/dev/shm") as in_memory:
        root, shm = Path(temporary), Path(in_memory)
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
            "edge, access log to a unix socket (net writer)": to_unix_socket(
                shipped, unix_sink(root / "collector.sock")),
            "edge, access log file on tmpfs": to_file(shipped, shm / "edge-access.log"),
            "edge, access log with the plain JSON encoder": plain_json(shipped),
            "edge, log sampled 1 in 10 + per-host metrics": sampled_with_metrics(shipped),
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
