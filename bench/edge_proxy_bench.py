"""What the edge adds to a server app's requests, by configuration (issue 19 item 3).

Run with ``.venv/bin/python bench/edge_proxy_bench.py [rounds] [name ...]`` (names:
only the configurations whose name contains one of them, besides the baseline). A Node
hello-world is deployed on the local provider (a replica in its sandbox); the
edge's configuration is dumped from the real edge and run, varied, each
variant in a Caddy of its own on a free port reading the same data folder.
Baseline, same run: ``wrk`` straight at the replica's port. For every
configuration, interleaved rounds, medians:

* throughput, ``wrk -t2 -c50 -d4s``, relative to the replica's port (each
  round's ratio to that round's baseline is printed too);
* Caddy's CPU time per request over that run (``/proc/<pid>/stat``);
* p50 latency of one connection at a time (``wrk -t1 -c1 -d3s``) minus the
  replica port's: the latency the edge adds to a request when nothing queues.

Configurations: a bare Caddy ``reverse_proxy`` to the replica's port (the
floor of any Caddy edge); the edge as shipped; the edge as it found a server
app's port before (a glob of ``up-server-<slot>-*`` files per request, written
into the deployment's folder for it); then the edge without one of
its parts each: its access log; its upstream keep-alive pool of 1024 idle
connections per upstream (back to Caddy's default, 32, fewer than ``wrk``'s
50; before 2026-12-07 the edge had the default and this variant raised it); the
static-file check before the server (``file_server`` with ``pass_thru``);
``encode``; the 16 slot ports read from the marker's name replaced by the
replica's port in the configuration (before 2026-12-07 this replaced a glob
of ``up-server-<slot>-*`` in the deployment's folder), or by the first of them
only (one upstream instead of 16); and the four removals
at once (what the rest of the edge's routing costs).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from edge_cpu_bench import cpu_seconds, without_access_log
from runtime_bench import app, first_byte, free_port

from autostack_core.config import Settings
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_plugins.providers.local.edge import caddy_binary
from autostack_plugins.providers.local.edge_config import INTERNAL_ORIGINS, proxy_route
from autostack_plugins.providers.local.edge_state import SLOTS
from tests.local_pair import LocalPair

JSON = dict[str, Any]
LOADED = ["wrk", "-t2", "-c50", "-d4s", "--latency"]
ONE_AT_A_TIME = ["wrk", "-t1", "-c1", "-d3s", "--latency"]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(command: list[str], url: str, host: str) -> tuple[int, float, float]:
    """Requests, requests per second and p50 latency (ms) of one ``wrk`` run."""
    output = subprocess.run([*command, "-H", f"Host: {host}", url], capture_output=True,
                            text=True, check=True).stdout
    count = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)$", output, re.M)
    if not (count and rps and p50) or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk failed:\n{output}")
    return int(count.group(1)), float(rps.group(1)), float(p50.group(1)) * UNITS[p50.group(2)]


def proxies(node: Any) -> Iterator[JSON]:
    """Every ``reverse_proxy`` handler in a configuration."""
    if isinstance(node, dict):
        if node.get("handler") == "reverse_proxy":
            yield node
        for value in node.values():
            yield from proxies(value)
    elif isinstance(node, list):
        for value in node:
            yield from proxies(value)


def default_pool(config: JSON) -> JSON:
    """``config`` with Caddy's default upstream transport (32 idle connections per upstream)
    where the edge sets its own."""
    config = copy.deepcopy(config)
    for proxy in proxies(config):
        proxy.pop("transport", None)
    return config


def nodes(node: Any) -> Iterator[JSON]:
    """Every object of a configuration."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


def without_handler(config: JSON, name: str, **fields: Any) -> JSON:
    """``config`` without the routes whose first handler is ``name`` with ``fields``."""
    config = copy.deepcopy(config)
    for node in list(nodes(config)):
        if isinstance(node.get("routes"), list):
            node["routes"] = [route for route in node["routes"] if not (
                route.get("handle") and route["handle"][0].get("handler") == name
                and all(route["handle"][0].get(k) == v for k, v in fields.items()))]
    return config


def static_upstream(config: JSON, replica: int) -> JSON:
    """``config`` with the server's 16 slot ports (from its marker's name) replaced by the
    replica's port."""
    config = copy.deepcopy(config)
    for proxy in proxies(config):
        if "{http.regexp.site." in json.dumps(proxy.get("upstreams", [])):
            proxy["upstreams"] = [{"dial": f"127.0.0.1:{replica}"}]
    return config


def first_slot(config: JSON) -> JSON:
    """``config`` proxying a server app to its first slot's port only (one upstream, not 16)."""
    config = copy.deepcopy(config)
    for proxy in proxies(config):
        if "{http.regexp.site." in json.dumps(proxy.get("upstreams", [])):
            proxy["upstreams"] = proxy["upstreams"][:1]
    return config


def slot_glob(config: JSON, deployment: Path) -> JSON:
    """``config`` as the edge routed to a server app before its ports were in the marker's
    name: a slot per request from its UUID, then a glob of ``up-server-<slot>-*`` in the
    deployment's folder (the 16 files exist only while it is measured, see :func:`measure`),
    the port taken from the name found."""
    config = copy.deepcopy(config)
    pick = {"match": [{"vars_regexp": {"{http.request.uuid}": {
        "name": "slot", "pattern": "([0-9a-f])$"}}}],
        "handle": [{"handler": "vars", "autostack_slot": "{http.regexp.slot.1}"}]}
    not_started = [{"vars": {"{http.regexp.site.2}": [""]}}]
    redirects = {"headers": {"response": {"replace": {"Location": [
        {"search": f"{origin}:{{http.regexp.upstream.1}}/", "replace": "/"}
        for origin in INTERNAL_ORIGINS]}}}}
    for node in list(nodes(config)):
        for index, route in enumerate(node.get("routes") or []):
            first = (route.get("handle") or [{}])[0]
            if first.get("handler") == "subroute" and \
                    first["routes"][0].get("match") == not_started:
                node["routes"][index] = proxy_route(deployment.parent, "server", redirects)
    for node in list(nodes(config)):
        if str(node.get("@id", "")).startswith("profile-") and "up-server-" in json.dumps(node):
            node["handle"][-1]["routes"].insert(0, pick)
    return config


def run_caddy(root: Path, config: JSON) -> tuple[subprocess.Popen[bytes], int]:
    """``config`` in a Caddy of its own on a free loopback port."""
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
    for _ in range(500):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.01)
    process.kill()
    raise RuntimeError("Caddy did not start")


Figures = tuple[float, float, float]


def measure(root: Path, config: JSON | None, replica: int, host: str,
            deployment: Path) -> Figures:
    """(req/s, Caddy us/request, p50 ms of one connection) of ``config``; None: the replica.

    A configuration that globs ``up-server-*`` finds 16 such files in ``deployment``'s folder
    while it runs (only then: they would lengthen the directory every other one reads).
    """
    slot_files = [deployment / f"up-server-{slot}-{replica}" for slot in SLOTS] \
        if "up-server-" in json.dumps(config) else []
    for path in slot_files:
        path.touch()
    try:
        return _measure(root, config, replica, host)
    finally:
        for path in slot_files:
            path.unlink()


def _measure(root: Path, config: JSON | None, replica: int, host: str) -> Figures:
    if config is None:
        url = f"http://127.0.0.1:{replica}/"
        wrk(LOADED, url, host)  # warm up
        _, rps, _ = wrk(LOADED, url, host)
        return rps, 0.0, wrk(ONE_AT_A_TIME, url, host)[2]
    process, port = run_caddy(root, config)
    try:
        url = f"http://127.0.0.1:{port}/"
        if httpx.get(url, headers={"Host": host}).status_code != 200:
            raise RuntimeError(f"{host} is not served by this configuration")
        wrk(LOADED, url, host)  # warm up, and the upstream connections
        before = cpu_seconds(process.pid)
        count, rps, _ = wrk(LOADED, url, host)
        cpu = (cpu_seconds(process.pid) - before) / count * 1e6
        return rps, cpu, wrk(ONE_AT_A_TIME, url, host)[2]
    finally:
        process.terminate()
        process.wait()


async def main(rounds: int, only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        settings = Settings(data_dir=root / "data", edge_port=free_port())
        settings.ensure_dirs()
        install_keyring(load_keyring(settings.data_dir))
        provider = LocalPair(settings)
        await provider.start()
        try:
            spec = app(root, "proxy")
            await provider.deploy(spec)
            host = spec.hostnames[0]
            replica = provider.runtime.supervisor.runtimes["proxy"].replicas[0].port
            deployment = settings.path("edge", "deployments", "proxy")
            await first_byte(f"http://127.0.0.1:{settings.edge_port}/", host)
            transport = httpx.AsyncHTTPTransport(uds=str(settings.edge_admin_socket))
            async with httpx.AsyncClient(transport=transport, base_url="http://caddy") as admin:
                shipped: JSON = (await admin.get("/config/")).json()
            bare: JSON = {"apps": {"http": {"servers": {"bare": {
                "automatic_https": {"disable": True},
                "routes": [{"handle": [{"handler": "reverse_proxy",
                                        "upstreams": [{"dial": f"127.0.0.1:{replica}"}]}]}],
            }}}}}
            variants: dict[str, JSON | None] = {
                "replica port (baseline)": None,
                "bare Caddy reverse_proxy": bare,
                "edge as shipped": shipped,
                "edge, slot glob (before 2026-12-07)": slot_glob(shipped, deployment),
                "edge without access log": without_access_log(shipped),
                "edge, Caddy's default 32 idle upstream connections": default_pool(shipped),
                "edge, no static-file check first": without_handler(
                    shipped, "file_server", pass_thru=True),
                "edge, no encode": without_handler(shipped, "encode"),
                "edge, upstream port in the config": static_upstream(shipped, replica),
                "edge, first slot's port only": first_slot(shipped),
                "edge, all four removed": static_upstream(without_handler(without_handler(
                    without_access_log(shipped), "file_server", pass_thru=True), "encode"),
                    replica),
            }
            variants = {name: config for name, config in variants.items() if config is None
                        or not only or any(part in name for part in only)}
            figures: dict[str, list[Figures]] = {name: [] for name in variants}
            for _ in range(rounds):  # interleaved: the machine's load drifts
                for name, config in variants.items():
                    figures[name].append(
                        await asyncio.to_thread(measure, root, config, replica, host,
                                                deployment))
        finally:
            await provider.stop()
    base_rps = statistics.median(f[0] for f in figures["replica port (baseline)"])
    base_p50 = statistics.median(f[2] for f in figures["replica port (baseline)"])
    for name, runs in figures.items():
        rps = statistics.median(f[0] for f in runs)
        cpu = statistics.median(f[1] for f in runs)
        p50 = statistics.median(f[2] for f in runs)
        ratios = ", ".join(f"{f[0] / base[0]:.2f}" for f, base in
                           zip(runs, figures["replica port (baseline)"], strict=True))
        print(f"{name:40s} {rps:8.0f} req/s ({rps / base_rps:.2f}x; runs {ratios})  "
              f"Caddy {cpu:6.1f} us/request  p50 one at a time {p50:.3f} ms "
              f"(+{p50 - base_p50:.3f} ms)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, sys.argv[2:]))
