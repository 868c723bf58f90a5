"""Edge benchmarks: alias move latency, and static throughput against a bare Caddy.

Run with ``.venv/bin/python bench/edge_bench.py``. Everything stays on the
loopback, on free ports, in a temporary directory.

(a) Alias move: time from the call to ``LocalPair.route`` until a client
    asking the alias gets the other deployment's content; p50/p99 over 200
    moves, compared with one plain request to the edge measured in the same run.
(b) Static throughput: ``wrk -t2 -c50 -d5s`` on a 2 KB file through the
    AutoStack edge (access log to a file, as for analytics) against a bare
    Caddy ``file_server`` without logging serving the same file; three
    interleaved rounds, median ratio.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import Release
from autostack_plugins.providers.local.edge import caddy_binary

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_pair import LocalPair, release

MOVES = 200
ROUNDS = 3
WRK = ["wrk", "-t2", "-c50", "-d5s"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def site(root: Path, name: str, body: str) -> Release:
    output = root / name
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text(body)
    (output / "static" / "file.html").write_text("x" * 2048)
    return release(name, output, f"bench-{name}.localhost", project="bench")


async def alias_moves(provider: LocalPair, client: httpx.AsyncClient,
                      a: Release, b: Release) -> dict[str, float]:
    headers = {"Host": "bench.localhost"}
    await provider.route("bench.localhost", a)
    plain: list[float] = []
    moves: list[float] = []
    for move in range(MOVES):
        started = time.perf_counter()
        await client.get("/", headers=headers)
        plain.append(time.perf_counter() - started)
        target, body = (b, "B") if move % 2 == 0 else (a, "A")
        started = time.perf_counter()
        await provider.route("bench.localhost", target)
        while (await client.get("/", headers=headers)).text != body:
            pass
        moves.append(time.perf_counter() - started)
    return {
        "move_p50_ms": percentile(moves, 0.5) * 1000,
        "move_p99_ms": percentile(moves, 0.99) * 1000,
        "request_p50_ms": statistics.median(plain) * 1000,
    }


def wrk(url: str, host: str) -> float:
    output = subprocess.run([*WRK, "-H", f"Host: {host}", url], check=True,
                            capture_output=True, text=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk failed:\n{output}")
    return float(match.group(1))


def bare_caddy(root: Path, static: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A Caddy serving ``static`` with file_server only, no access log."""
    port, admin = free_port(), free_port()
    config = {
        "admin": {"listen": f"127.0.0.1:{admin}", "config": {"persist": False}},
        "apps": {"http": {"servers": {"bare": {
            "listen": [f"127.0.0.1:{port}"], "automatic_https": {"disable": True},
            "routes": [{"handle": [{"handler": "file_server", "root": str(static)}]}],
        }}}},
    }
    path = root / "bare.json"
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
    raise RuntimeError("bare Caddy did not start")


async def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        settings = Settings(data_dir=root / "data", edge_port=free_port())
        settings.ensure_dirs()
        a, b = site(root, "a", "A"), site(root, "b", "B")
        provider = LocalPair(settings)
        await provider.start()
        bare, bare_port = bare_caddy(root, Path(a.artifact.location) / "static")
        try:
            await provider.deploy(a)
            await provider.deploy(b)
            base = f"http://127.0.0.1:{settings.edge_port}"
            async with httpx.AsyncClient(base_url=base) as client:
                moves = await alias_moves(provider, client, a, b)
            await provider.route("bench.localhost", a)
            ratios = []
            for _ in range(ROUNDS):  # interleaved: the machine's load drifts
                edge_rps = wrk(f"{base}/file.html", "bench.localhost")
                bare_rps = wrk(f"http://127.0.0.1:{bare_port}/file.html", "bench.localhost")
                ratios.append((edge_rps, bare_rps, edge_rps / bare_rps))
            logged = len(settings.path("logs", "edge-access.log").read_text().splitlines())
        finally:
            bare.terminate()
            bare.wait()
            await provider.stop()
    print(f"alias move p50 {moves['move_p50_ms']:.2f} ms, p99 {moves['move_p99_ms']:.2f} ms; "
          f"plain request p50 {moves['request_p50_ms']:.2f} ms "
          f"(move/request ratio p50 {moves['move_p50_ms'] / moves['request_p50_ms']:.2f}x)")
    for edge_rps, bare_rps, ratio in ratios:
        print(f"static 2 KB: edge with access log {edge_rps:.0f} req/s, bare Caddy "
              f"{bare_rps:.0f} req/s, ratio {ratio:.2f}x")
    median = statistics.median(ratio for *_, ratio in ratios)
    print(f"static throughput ratio, median of {ROUNDS}: {median:.2f}x ({logged} log lines)")


if __name__ == "__main__":
    asyncio.run(main())
