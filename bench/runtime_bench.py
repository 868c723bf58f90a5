"""Runtime benchmarks: proxy overhead, cold start, redeploys under load, idle memory.

Run with ``.venv/bin/python bench/runtime_bench.py [--only a,b,c,d]
[--cold-starts N]``. Everything stays on the loopback, on free ports, in a
temporary directory; each figure comes with a baseline measured in the same
run.

(a) Proxy overhead: ``wrk -t2 -c50 -d5s --latency`` on a Node server app
    through the edge, and on the replica's port (the app itself, or the
    shim's relay into the app's network namespace), against the same app
    started plainly (no sandbox) on a port of its own; three interleaved
    rounds, median of each figure.
(b) Cold start to first byte of a scaled-to-zero Node and Python app through
    the edge (waker, shim, bubblewrap, health check; curl's
    ``time_starttransfer``), isolated (as ``nobody`` in its own network
    namespace) and on the host network (the fallback, as before the
    isolation), in turn, against starting the same command plainly (no
    sandbox, no supervisor) until its first byte; and when each step of the
    wake ended (:class:`WakeTrace`).
(c) Redeploys under load: a client at 200 requests/s on the production alias
    while 5 new deployments take it in turn (each drains the previous one);
    failed requests must be 0.
(d) Memory of N idle deployments scaled to zero: the control plane's RSS
    growth, against the same N deployments running (their cgroups' memory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
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
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_plugins.providers.local import replicas as replicas_module
from autostack_plugins.providers.local.run_sandbox import RuntimeCgroup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_pair import LocalPair, release

ROUNDS = 3
COLD_STARTS = 5
REDEPLOYS = 5
IDLE_DEPLOYMENTS = 20
WRK = ["wrk", "-t2", "-c50", "-d5s", "--latency"]
NODE_APP = """\
const http = require("http");
http.createServer((req, res) => res.end("hello " + (process.env.VERSION || "")))
  .listen(Number(process.env.PORT), "127.0.0.1");
"""
PYTHON_APP = """\
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""
APPS = {"node": ("server.js", NODE_APP, "node server.js"),
        "python": ("server.py", PYTHON_APP, "python3 server.py")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def app(root: Path, name: str, runtime: str = "node", version: str = "") -> Release:
    filename, source, command = APPS[runtime]
    output = root / name
    (output / "server").mkdir(parents=True)
    (output / "server" / filename).write_text(source)
    (output / "server.json").write_text(json.dumps({"runtime": runtime, "command": command}))
    return release(name, output, f"bench-{name}.localhost", project="bench",
                   env={"VERSION": version})


def wrk(url: str, host: str) -> dict[str, float]:
    output = subprocess.run([*WRK, "-H", f"Host: {host}", url], capture_output=True,
                            text=True, check=True).stdout
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)$", output, re.M)
        if match is None:
            raise RuntimeError(f"wrk output without {label}%:\n{output}")
        return float(match.group(1)) * units[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors", output)
    if rps is None or errors is not None:
        raise RuntimeError(f"wrk failed:\n{output}")
    return {"rps": float(rps.group(1)), "p50": latency("50"), "p99": latency("99")}


async def first_byte(url: str, host: str, timeout: float = 30,
                     client: httpx.AsyncClient | None = None) -> float:
    """Seconds until the first byte of an answer, retrying refused requests for ``timeout``.

    The client is made before the clock starts (its SSL context alone takes
    tens of milliseconds here), or given.
    """
    if client is None:
        async with httpx.AsyncClient(timeout=timeout) as own:
            return await first_byte(url, host, timeout, own)
    started = time.monotonic()
    while True:
        try:
            async with client.stream("GET", url, headers={"Host": host}) as response:
                async for _ in response.aiter_raw():
                    return time.monotonic() - started
        except httpx.TransportError as error:
            if time.monotonic() - started > timeout:  # a failed wake, say, not a slow one
                raise RuntimeError(f"no answer from {url} (Host: {host}) within "
                                   f"{timeout:g} s: {error!r}") from error
            await asyncio.sleep(0.005)


def start_plain(root: Path, runtime: str) -> tuple[int, subprocess.Popen[bytes]]:
    """The app's command started plainly (no sandbox, no supervisor) on a free port."""
    filename, source, command = APPS[runtime]
    folder = root / f"plain-{runtime}"
    folder.mkdir(exist_ok=True)
    (folder / filename).write_text(source)
    port = free_port()
    process = subprocess.Popen(["/bin/sh", "-c", f"exec {command}"], cwd=folder,
                               env={"PORT": str(port), "PATH": "/usr/bin:/bin"},
                               start_new_session=True)
    return port, process


def stop_plain(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def plain_cold_start(root: Path, runtime: str) -> float:
    async with httpx.AsyncClient(timeout=30) as client:
        started = time.monotonic()
        port, process = start_plain(root, runtime)
        try:
            await first_byte(f"http://127.0.0.1:{port}/", "plain", client=client)
            return time.monotonic() - started
        finally:
            stop_plain(process)


async def proxy_overhead(provider: LocalPair, root: Path, edge: str) -> None:
    spec = app(root, "proxy")
    await provider.deploy(spec)
    port = provider.runtime.supervisor.runtimes["proxy"].replicas[0].port
    plain_port, plain = start_plain(root, "node")
    await first_byte(f"http://127.0.0.1:{plain_port}/", "plain")
    rounds: dict[str, list[dict[str, float]]] = {"edge": [], "replica port": [], "plain": []}
    try:
        for _ in range(ROUNDS):
            rounds["edge"].append(await asyncio.to_thread(wrk, f"{edge}/", spec.hostnames[0]))
            rounds["replica port"].append(
                await asyncio.to_thread(wrk, f"http://127.0.0.1:{port}/", "direct"))
            rounds["plain"].append(
                await asyncio.to_thread(wrk, f"http://127.0.0.1:{plain_port}/", "plain"))
    finally:
        stop_plain(plain)
    print("(a) proxy overhead, Node app, wrk -t2 -c50 -d5s, median of 3 rounds "
          "(ratios against the plain app)")
    for key, unit in (("rps", "req/s"), ("p50", "ms"), ("p99", "ms")):
        medians = {name: statistics.median(r[key] for r in runs) for name, runs in rounds.items()}
        print(f"    {key}: " + ", ".join(
            f"{name} {value:.2f} {unit} ({value / medians['plain']:.2f}x)"
            for name, value in medians.items()))
    await provider.runtime.destroy("proxy")


class WakeTrace:
    """When each step of a wake ended, from wrappers around the supervisor's parts.

    Steps: the edge passes the request to the waker (which calls ``wake``);
    the replica's shim is spawned; its port listens (shim start, sandbox,
    namespace and relay, the app's own start); its health check passes; the
    edge is pointed at it and the waker closed; the held connection is
    spliced to the replica and the first byte comes back.
    """

    STEPS = ("waker called", "shim spawned", "port listens", "healthy", "edge switched",
             "first byte")

    def __init__(self, provider: LocalPair) -> None:
        supervisor, launcher = provider.runtime.supervisor, provider.runtime.supervisor.launcher
        self.marks: dict[str, float] = {}
        self.steps: dict[str, list[float]] = {step: [] for step in self.STEPS}
        wake, spawn, healthy = supervisor.wake, launcher.spawn, launcher.wait_healthy
        listening = replicas_module.listening

        async def traced_wake(deployment_id: str, listening: asyncio.Event | None = None) -> None:
            self.marks.setdefault("waker called", time.monotonic())
            await wake(deployment_id, listening)
            self.marks.setdefault("edge switched", time.monotonic())

        async def traced_spawn(*args: object) -> object:
            process = await spawn(*args)  # type: ignore[arg-type]
            self.marks.setdefault("shim spawned", time.monotonic())
            return process

        async def traced_listening(port: int) -> bool:
            answer = await listening(port)
            if answer:
                self.marks.setdefault("port listens", time.monotonic())
            return answer

        async def traced_healthy(*args: object, **options: object) -> None:
            await healthy(*args, **options)  # type: ignore[arg-type]
            self.marks.setdefault("healthy", time.monotonic())

        supervisor.wake = traced_wake  # type: ignore[method-assign]
        launcher.spawn = traced_spawn  # type: ignore[method-assign]
        launcher.wait_healthy = traced_healthy  # type: ignore[method-assign]
        replicas_module.listening = traced_listening  # type: ignore[assignment]

    async def measure(self, url: str, host: str) -> float:
        """One cold start's seconds to first byte, as curl measures it; steps go to :attr:`steps`.

        The client is a process of its own, as users are: one on this event
        loop read the answer only once the control plane's work after the
        health check (state files, the edge's switch) let it, 20-300 ms
        after the waker had passed the answer on, at a load average of 20.
        """
        self.marks = {}
        started = time.monotonic()
        curl = await asyncio.create_subprocess_exec(
            "curl", "-s", "-o", "/dev/null", "--max-time", "30", "-H", f"Host: {host}",
            "-w", "%{http_code} %{time_starttransfer}", url, stdout=asyncio.subprocess.PIPE)
        output, _ = await curl.communicate()
        status, _, seconds = output.decode().partition(" ")
        if status != "200":
            raise RuntimeError(f"{url} (Host: {host}) answered {status or 'nothing'}")
        elapsed = float(seconds)
        self.marks["first byte"] = started + elapsed
        for step in self.STEPS:
            if step in self.marks:
                self.steps[step].append(self.marks[step] - started)
        return elapsed

    def report(self) -> str:
        """When each step ended, in ms since curl was started (medians).

        The other steps include curl's own start (a few ms), the first byte
        does not. The held request is let go once the port listens, so its
        first byte may come before the health check has passed and the edge
        switched.
        """
        return ", ".join(f"{step} {statistics.median(values) * 1000:.0f}"
                         for step, values in self.steps.items() if values)


async def cold_starts(provider: LocalPair, root: Path, edge: str) -> None:
    """Through the edge, isolated (uid ``nobody``, own network namespace) and not, in turn.

    A scaled-to-zero app is woken once the control plane's spare shim is ready
    (:meth:`ReplicaLauncher.spare`), as it is when nothing else started on this
    control plane in the second or so a spare takes to import its modules;
    "isolated, at once" wakes it right after it went to sleep, while the
    spare made at the end of the previous start is still importing (the worst
    case: a wake less than a second after another replica's start).
    """
    supervisor = provider.runtime.supervisor
    modes = {"isolated": (supervisor.isolated, True), "host network": (False, True),
             "isolated, at once": (supervisor.isolated, False)}
    print(f"(b) cold start to first byte, median of {COLD_STARTS} "
          "(ratios against the plain start)")
    for runtime in ("node", "python"):
        spec = app(root, f"cold-{runtime}", runtime)
        await provider.deploy(spec)
        times: dict[str, list[float]] = {"plain": [], **{mode: [] for mode in modes}}
        traces = {mode: WakeTrace(provider) for mode in modes}
        for round_ in range(COLD_STARTS):
            order = list(modes.items())
            for mode, (isolated, spare_ready) in order[::-1] if round_ % 2 else order:
                supervisor.isolated = isolated
                await supervisor.sleep(spec.id, grace=2)
                if spare_ready:
                    await supervisor.launcher.spare()
                times[mode].append(await traces[mode].measure(f"{edge}/", spec.hostnames[0]))
            times["plain"].append(await plain_cold_start(root, runtime))
        supervisor.isolated = modes["isolated"][0]
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        print(f"    {runtime}: " + ", ".join(
            f"{name} {value:.0f} ms ({value / medians['plain']:.2f}x)"
            for name, value in medians.items())
            + f"; isolated / host network {medians['isolated'] / medians['host network']:.2f}x")
        print("      each cold start / plain median: " + "; ".join(
            f"{mode} " + " ".join(f"{value * 1000 / medians['plain']:.2f}"
                                  for value in times[mode]) for mode in modes))
        for mode, trace in traces.items():
            print(f"      {mode}, each step's end (median ms since the request): "
                  f"{trace.report()}")
        await provider.runtime.destroy(spec.id)


async def redeploys(provider: LocalPair, root: Path, edge: str) -> None:
    alias = "bench.localhost"
    first = app(root, "rd-0", version="0")
    await provider.deploy(first)
    await provider.route(alias, first)
    ok, failed, stop = 0, [], asyncio.Event()

    async def load() -> None:
        nonlocal ok
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                try:
                    response = await client.get(f"{edge}/", headers={"Host": alias})
                    if response.status_code == 200:
                        ok += 1
                    else:
                        failed.append(str(response.status_code))
                except httpx.HTTPError as error:
                    failed.append(repr(error))
                await asyncio.sleep(0.005)

    client = asyncio.create_task(load())
    started = time.monotonic()
    for number in range(1, REDEPLOYS + 1):
        spec = app(root, f"rd-{number}", version=str(number))
        await provider.deploy(spec)
        await provider.route(alias, spec)
        await asyncio.sleep(1.5)  # the previous deployment drains (1 s) and sleeps
    stop.set()
    await client
    print(f"(c) {REDEPLOYS} redeploys under load ({ok + len(failed)} requests in "
          f"{time.monotonic() - started:.1f} s): {len(failed)} failed {failed[:3]}")
    for number in range(REDEPLOYS + 1):
        await provider.runtime.destroy(f"rd-{number}")


async def idle_memory(provider: LocalPair, root: Path) -> None:
    specs = [app(root, f"idle-{number}") for number in range(IDLE_DEPLOYMENTS)]
    for spec in specs:
        await provider.deploy(spec)
    running = sum(RuntimeCgroup(spec.id).memory_bytes() or 0 for spec in specs)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for spec in specs:
        await provider.runtime.supervisor.sleep(spec.id, grace=2)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    left = sum(len(RuntimeCgroup(spec.id).pids()) for spec in specs)
    print(f"(d) {IDLE_DEPLOYMENTS} deployments: running {running / 2**20:.0f} MB "
          f"({running / IDLE_DEPLOYMENTS / 2**20:.1f} MB each, shim + sandbox + app); "
          f"asleep: {left} processes left, control plane peak RSS +{(after - before) / 1024:.1f} "
          "MB (one waker socket each)")
    for spec in specs:
        await provider.runtime.destroy(spec.id)


async def main(parts: str) -> None:
    if shutil.which("wrk") is None and "a" in parts:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if shutil.which("curl") is None and "b" in parts:
        raise SystemExit("curl is needed: apt-get install curl")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        settings = Settings(data_dir=root / "data", edge_port=free_port(),
                            runtime_drain_seconds=1)
        settings.ensure_dirs()
        install_keyring(load_keyring(settings.data_dir))
        provider = LocalPair(settings)
        await provider.start()
        edge = f"http://127.0.0.1:{settings.edge_port}"
        try:
            if "a" in parts:
                await proxy_overhead(provider, root, edge)
            if "b" in parts:
                await cold_starts(provider, root, edge)
            if "c" in parts:
                await redeploys(provider, root, edge)
            if "d" in parts:
                await idle_memory(provider, root)
        finally:
            await provider.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--only", default="a,b,c,d", help="the parts to run, e.g. b")
    parser.add_argument("--cold-starts", type=int, default=COLD_STARTS,
                        help="cold starts per mode and runtime in (b)")
    arguments = parser.parse_args()
    COLD_STARTS = arguments.cold_starts
    asyncio.run(main(arguments.only))
