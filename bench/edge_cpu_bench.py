"""Edge cost per request, in Caddy CPU time: where the static throughput goes.

Run with ``.venv/bin/python bench/edge_cpu_bench.py``. Requests per second
swing by 2x between rounds on a shared machine, so each configuration is
measured as the CPU time (utime + stime from ``/proc/<pid>/stat``) its Caddy
process spends per request over a ``wrk -t1 -c10 -d4s`` run on a 2 KB file,
median of three interleaved rounds, every configuration in its own Caddy on
a free loopback port:

* a bare Caddy ``file_server`` without logging: the baseline;
* the same with only a JSON access log to a file (the floor for any edge that
  logs every request), and with the log encoded but discarded;
* the AutoStack edge as shipped (its configuration dumped from a real edge
  through the admin API), without its access log, and with 20 distinct route
  profiles deployed, asking for the host of the last one;
* a hostname split 50/50 between two deployments, asked by new visitors (no
  cookie: a bucket drawn and a ``Set-Cookie`` per request) and by a returning
  one (its ``autostack_split`` cookie).

``edge_cpu_bench.py routing`` instead decomposes the routing of a static
request: the edge without its access log, then without one part of its
routing each (``encode``, the hashed-asset header, the image and insights
routes, the deployment's ``log_append``), against the bare Caddy, 3 rounds.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from edge_bench import free_port, site

from autostack_core.config import Settings
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_plugins.providers.local.edge import caddy_binary
from tests.local_pair import LocalPair

ROUNDS = 3
PROFILES = 20
TICKS = os.sysconf("SC_CLK_TCK")
JSON = dict[str, Any]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wrk(url: str, host: str, seconds: int, cookie: str | None = None) -> int:
    extra = ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(["wrk", "-t1", "-c10", f"-d{seconds}s", "-H", f"Host: {host}",
                             *extra, url], check=True, capture_output=True, text=True).stdout
    match = re.search(r"(\d+) requests in", output)
    if not match or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk failed:\n{output}")
    return int(match.group(1))


def cpu_per_request(root: Path, config: JSON, host: str, cookie: str | None = None) -> float:
    """Run ``config`` in a Caddy of its own; microseconds of its CPU per request."""
    port = free_port()
    config = copy.deepcopy(config)
    config["admin"] = {"disabled": True}
    http = config["apps"]["http"]
    http.update(http_port=port)
    http.pop("https_port", None)
    server = next(iter(http["servers"].values()))
    server["listen"] = [f"127.0.0.1:{port}"]
    server.pop("tls_connection_policies", None)
    path = root / f"variant-{port}.json"
    path.write_text(json.dumps(config))
    binary = caddy_binary()
    assert binary is not None
    process = subprocess.Popen([binary, "run", "--config", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/file.html"
        for _ in range(500):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.01)
        if httpx.get(url, headers={"Host": host}).status_code != 200:
            raise RuntimeError(f"{host} is not served by this configuration")
        wrk(url, host, 1, cookie)  # warm up
        before = cpu_seconds(process.pid)
        requests = wrk(url, host, 4, cookie)
        return (cpu_seconds(process.pid) - before) / requests * 1e6
    finally:
        process.terminate()
        process.wait()


def with_access_log(config: JSON, writer: JSON) -> JSON:
    """``config`` with Caddy's plain JSON access log written by ``writer``."""
    config = copy.deepcopy(config)
    config["logging"] = {"logs": {
        "default": {"exclude": ["http.log.access"]},
        "access": {"writer": writer, "encoder": {"format": "json"},
                   "include": ["http.log.access.access"]},
    }}
    next(iter(config["apps"]["http"]["servers"].values()))["logs"] = {
        "default_logger_name": "access"}
    return config


def without_access_log(config: JSON) -> JSON:
    config = copy.deepcopy(config)
    next(iter(config["apps"]["http"]["servers"].values())).pop("logs")
    return config


async def edge_configs(root: Path) -> tuple[JSON, JSON, Path]:
    """The real edge's configuration with one profile, then with :data:`PROFILES`."""
    settings = Settings(data_dir=root / "data", edge_port=free_port())
    settings.ensure_dirs()
    provider = LocalPair(settings)
    await provider.start()
    transport = httpx.AsyncHTTPTransport(uds=str(settings.edge_admin_socket))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://caddy") as admin:
            first = site(root, "first", "first")
            await provider.route("bench.localhost", first)
            second = await provider.deploy(site(root, "second", "second"))
            await provider.edge.bind("split.localhost", [
                WeightedEndpoint(await provider.deploy(first), 50), WeightedEndpoint(second, 50)])
            one_profile = (await admin.get("/config/")).json()
            for number in range(1, PROFILES):
                other = site(root, f"other{number}", "other")
                routes = {"version": 3, "routes": [{"src": f"/only-in-{number}", "dest": "/"}]}
                (Path(other.artifact.location) / "config.json").write_text(json.dumps(routes))
                await provider.route(f"other{number}.localhost", other)
            many_profiles = (await admin.get("/config/")).json()
    finally:
        await provider.stop()
    return one_profile, many_profiles, Path(first.artifact.location) / "static"


def without(config: JSON, unwanted: str) -> JSON:
    """``config`` without the handlers whose own JSON (or first route's matcher) contains
    ``unwanted``, and the routes left without a handler by that."""
    config = copy.deepcopy(config)

    def own(item: JSON) -> str:
        """A handler's JSON without the routes nested in it."""
        return json.dumps({key: value for key, value in item.items()
                           if key not in ("routes", "errors")})

    def unwanted_in(item: Any) -> bool:
        if not isinstance(item, dict):
            return False
        if "handle" in item:  # a route: removed with its only handler
            return len(item["handle"]) == 1 and unwanted_in(item["handle"][0])
        if item.get("handler") == "subroute" and item.get("routes"):
            return unwanted in json.dumps(item["routes"][0].get("match", []))
        return "handler" in item and unwanted in own(item)

    def prune(node: Any) -> Any:
        if isinstance(node, list):
            return [prune(item) for item in node if not unwanted_in(item)]
        if isinstance(node, dict):
            return {key: prune(value) for key, value in node.items()}
        return node

    pruned: JSON = prune(config)
    return pruned


async def routing() -> None:
    """What each part of the routing costs a static request (see the module docstring)."""
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        one_profile, _, static = await edge_configs(root)
        floor = without_access_log(one_profile)
        bare: JSON = {"apps": {"http": {"servers": {"bare": {
            "automatic_https": {"disable": True},
            "routes": [{"handle": [{"handler": "file_server", "root": str(static)}]}],
        }}}}}
        variants = {
            "bare Caddy file_server, no log": bare,
            "edge without its access log": floor,
            "  ... and without encode": without(floor, '"handler": "encode"'),
            "  ... and without the hashed-asset header": without(floor, "immutable"),
            "  ... and without the image and insights routes": without(
                without(floor, "/_vercel/image"), "/_autostack/"),
            "  ... and without the deployment's log_append": without(
                floor, '"handler": "log_append", "key": "deployment"'),
        }
        costs: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(ROUNDS):
            for name, config in variants.items():
                costs[name].append(cpu_per_request(root, config, "bench.localhost"))
    baseline = statistics.median(costs["bare Caddy file_server, no log"])
    for name, values in costs.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"{name:52s} {median:6.1f} us/request ({runs})  bare/this {baseline / median:.2f}x")


async def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        one_profile, many_profiles, static = await edge_configs(root)
        bare: JSON = {"apps": {"http": {"servers": {"bare": {
            "automatic_https": {"disable": True},
            "routes": [{"handle": [{"handler": "file_server", "root": str(static)}]}],
        }}}}}
        last = f"other{PROFILES - 1}.localhost"
        variants: dict[str, tuple[JSON, str]] = {
            "bare Caddy file_server, no log": (bare, "bench.localhost"),
            "bare + JSON access log to a file": (
                with_access_log(bare, {"output": "file", "filename": str(root / "bare.log")}),
                "bench.localhost"),
            "bare + JSON access log, discarded": (
                with_access_log(bare, {"output": "discard"}), "bench.localhost"),
            "AutoStack edge as shipped": (one_profile, "bench.localhost"),
            "AutoStack edge without its access log": (
                without_access_log(one_profile), "bench.localhost"),
            f"AutoStack edge, {PROFILES} profiles, host of the last": (many_profiles, last),
        }
        split = {"AutoStack edge, split host, new visitors": None,
                 "AutoStack edge, split host, returning visitor": "autostack_split=3f"}
        costs: dict[str, list[float]] = {name: [] for name in [*variants, *split]}
        for _ in range(ROUNDS):  # interleaved: the machine's load drifts
            for name, (config, host) in variants.items():
                costs[name].append(cpu_per_request(root, config, host))
            for name, cookie in split.items():
                costs[name].append(cpu_per_request(root, one_profile, "split.localhost", cookie))
    baseline = statistics.median(costs["bare Caddy file_server, no log"])
    for name, values in costs.items():
        median = statistics.median(values)
        print(f"{name:52s} {median:6.1f} us/request  bare/this {baseline / median:.2f}x")


if __name__ == "__main__":
    asyncio.run(routing() if sys.argv[1:] == ["routing"] else main())
