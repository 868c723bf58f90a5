"""The static edge's routing redesigned, in Caddy CPU per request; and what a reload costs.

Run with ``.venv/bin/python bench/edge_routing_bench.py [rounds]`` (default 4).
The method of ``edge_cpu_bench.py`` (whose functions it uses): the CPU time a
Caddy of its own spends per request over a ``wrk -t1 -c10 -d4s`` run on a 2 KB
file, rounds interleaved, medians, every figure relative to a bare Caddy
``file_server`` of the same run. The edge's configuration is dumped from a real
edge (one profile, analytics on: the access log is kept in every edge row
unless said), then its routing is replaced:

* **trimmed**: the file-based routing as shipped without the routes of features
  nobody configured (the HTTPS and custom-domain redirect lookups, the flag
  subroute, the split route): what an edge adding them only when configured
  would run for an install without custom domains, protection, skew or splits;
* **compiled, literal id**: one route per hostname (a ``host`` matcher) serving
  ``deployments/<id>/static`` with the id written in the configuration, so no
  file is read to route; an alias move is then a configuration reload;
* **compiled, id read per request**: the same route, the id read from a file
  per request (Caddy's ``{file.*}`` placeholder), so a move is a file rename;
* **compiled, id checked**: the literal id, confirmed per request by one
  ``stat`` of ``deployments/<id>/hosts/<host>`` (a move removes it and the
  request falls to the file-based route), for one hostname and for 201 through
  a ``map`` from the hostname to its id.

The image, insights and server-level routes (HTTPS, challenges, redirects) are
kept in every compiled variant, so they serve what the shipped edge serves for a
plain static hostname.

``edge_routing_bench.py reload`` measures what the compiled design's reload per
alias move costs: a Caddy with the compiled configuration under ``wrk -t1 -c10
-d10s`` (keep-alive), 20 alias moves as ``POST /load`` spread over the run, the
failed requests counted, against the same run without moves; and the admin
call's time and Caddy's CPU per reload without traffic.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from edge_bench import free_port
from edge_cpu_bench import (
    JSON,
    cpu_per_request,
    cpu_seconds,
    edge_configs,
    with_access_log,
    without_access_log,
)

from autostack_plugins.providers.local.edge import caddy_binary

HOST = "bench.localhost"
TABLE = [f"h{number}.localhost" for number in range(200)] + [HOST]
SITE = "{http.regexp.site.1}"
MOVES = 20


def server(config: JSON) -> JSON:
    found: JSON = config["apps"]["http"]["servers"]["autostack"]
    return found


def compiled(config: JSON, site: str, before: list[JSON] | None = None,
             hosts: list[str] | None = None) -> JSON:
    """``config`` with its hosted route replaced by one ``host`` route serving ``site``'s
    profile (the image and insights routes kept in front of it)."""
    config = copy.deepcopy(config)
    routes = server(config)
    hosted = routes["named_routes"].pop("hosted")
    image, insights, profiles = hosted["handle"][-3:]
    profile = json.loads(json.dumps(profiles["routes"][-1]["handle"]).replace(SITE, site))
    route = {"match": [{"host": hosts or [HOST]}],
             "handle": [*(before or []), image, insights, *profile], "terminal": True}
    routes["routes"] = [*routes["routes"][:3], route, routes["routes"][-1]]
    return config


def checked(config: JSON, deployments: Path, hosts: list[str]) -> JSON:
    """The literal id, confirmed per request by one ``stat`` (through a ``map`` for several)."""
    many = len(hosts) > 1
    site = "{http.vars.site}" if many else "first"
    config = compiled(config, site, hosts=hosts)
    route = server(config)["routes"][3]
    check = {"root": str(deployments), "try_files": [f"/{site}/hosts/{{http.request.host}}"]}
    table = [{"handler": "map", "source": "{http.request.host}", "destinations": ["{site_id}"],
              "mappings": [{"input": host, "outputs": ["first"]} for host in hosts]},
             {"handler": "vars", "site": "{site_id}"}] if many else []
    route["handle"] = [*table, {"handler": "subroute", "routes": [
        {"match": [{"file": check}], "handle": route["handle"], "terminal": True}]}]
    del route["terminal"]
    return config


def trimmed(config: JSON) -> JSON:
    """The shipped routing without the routes of features nobody configured."""
    config = copy.deepcopy(config)
    routes = server(config)
    hosted = routes["named_routes"]["hosted"]
    profiles = hosted["handle"][-1]
    profiles["routes"] = profiles["routes"][1:]  # the split route
    hosted["handle"] = hosted["handle"][-3:]  # no flag subroute
    routes["routes"] = routes["routes"][1:2] + routes["routes"][3:]  # challenges only
    return config


async def variants(root: Path) -> dict[str, JSON]:
    shipped, _, static = await edge_configs(root)
    data = root / "data" / "edge"
    ids = data / "ids"
    ids.mkdir()
    (ids / HOST).write_text("first")
    (data / "deployments" / "first" / "hosts").mkdir()
    for host in TABLE:
        (data / "deployments" / "first" / "hosts" / host).touch()
    bare: JSON = {"apps": {"http": {"servers": {"bare": {
        "automatic_https": {"disable": True},
        "routes": [{"handle": [{"handler": "file_server", "root": str(static)}]}],
    }}}}}
    literal = compiled(shipped, "first")
    read = [{"handler": "vars", "site": f"{{file.{ids / HOST}}}"}]
    return {
        "bare Caddy file_server, no log": bare,
        "bare + JSON access log to a file": with_access_log(
            bare, {"output": "file", "filename": str(root / "bare.log")}),
        "edge as shipped": shipped,
        "edge as shipped, no log": without_access_log(shipped),
        "trimmed: unconfigured features' routes left out": trimmed(shipped),
        "compiled, literal id (reload per move)": literal,
        "compiled, literal id, no log": without_access_log(literal),
        "compiled, id read per request ({file.*})": compiled(shipped, "{http.vars.site}", read),
        "compiled, literal id + one stat": checked(shipped, data / "deployments", [HOST]),
        "compiled, 201 hosts: map + one stat": checked(shipped, data / "deployments", TABLE),
    }


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        configs = await variants(root)
        costs: dict[str, list[float]] = {name: [] for name in configs}
        for _ in range(rounds):  # interleaved: the machine's load drifts
            for name, config in configs.items():
                costs[name].append(cpu_per_request(root, config, HOST))
    baseline = statistics.median(costs["bare Caddy file_server, no log"])
    for name, values in costs.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.0f}" for value in values)
        print(f"{name:50s} {median:6.1f} us/request ({runs})  bare/this {baseline / median:.2f}x")


def reload_run(root: Path, configs: list[JSON], moves: int, seconds: int = 10) -> dict[str, Any]:
    """``wrk`` for ``seconds`` while ``moves`` reloads alternate ``configs``; what failed."""
    port, admin = free_port(), free_port()
    for config in configs:
        config["admin"] = {"listen": f"127.0.0.1:{admin}"}
        http = config["apps"]["http"]
        http["http_port"] = port
        http.pop("https_port", None)
        server(config)["listen"] = [f"127.0.0.1:{port}"]
        server(config).pop("tls_connection_policies", None)
    path = root / f"reload-{port}.json"
    path.write_text(json.dumps(configs[0]))
    binary = caddy_binary()
    assert binary is not None
    process = subprocess.Popen([binary, "run", "--config", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/file.html"
    try:
        for _ in range(500):
            try:
                if httpx.get(url, headers={"Host": HOST}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        before, took = cpu_seconds(process.pid), []
        for number in range(10):
            start = time.perf_counter()
            httpx.post(f"http://127.0.0.1:{admin}/load", json=configs[(number + 1) % 2],
                       timeout=60).raise_for_status()
            took.append(time.perf_counter() - start)
        reload_cpu = (cpu_seconds(process.pid) - before) / 10

        def move() -> None:
            for number in range(moves):
                time.sleep(seconds / (moves + 1))
                httpx.post(f"http://127.0.0.1:{admin}/load", json=configs[number % 2],
                           timeout=60).raise_for_status()

        mover = threading.Thread(target=move)
        mover.start()
        output = subprocess.run(["wrk", "-t1", "-c10", f"-d{seconds}s", "-H", f"Host: {HOST}",
                                 url], capture_output=True, text=True, check=True).stdout
        mover.join()
    finally:
        process.terminate()
        process.wait()
    requests = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"moves": moves, "requests": int(requests.group(1)) if requests else 0,
            "failed": sum(int(n) for n in errors.groups()) if errors else 0,
            "non-2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "reload ms (median of 10)": round(statistics.median(took) * 1000, 1),
            "Caddy CPU ms per reload": round(reload_cpu * 1000, 1)}


async def reloads() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        shipped, _, _ = await edge_configs(root)
        for moves in (0, MOVES, 0, MOVES):
            configs = [compiled(shipped, "first"), compiled(shipped, "second")]
            print(reload_run(root, configs, moves), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["reload"]:
        asyncio.run(reloads())
    else:
        asyncio.run(main(int(sys.argv[1]) if sys.argv[1:] else 4))
