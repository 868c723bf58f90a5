"""Density benchmark (issue 19 item 5): many small server apps on one ``autostack up``.

Run with ``.venv/bin/python bench/density_bench.py [--apps 100] [--busy 10]
[--wakes 10] [--idle-seconds 10] [--load-seconds 20] [--rate 10]``.
Everything stays on the loopback, in a temporary directory.

Baseline, same run: the same apps (half the Node http server, half the Python
``http.server`` of ``bench/runtime_bench.py``) started as bare processes on
ports of their own; the busy ones get the same load straight on their ports;
the wake-up baseline is a bare process's own start to first byte.

AutoStack: ``--apps`` projects, each deployed to production with
``autostack deploy --prod`` (a prebuilt server output copied by the build
command, so no package manager runs), then

1. memory with every app awake (scale to zero is off by default for production);
2. scale to zero turned on for every project (``PUT /scale``, what ``autostack
   projects set NAME --scale-to-zero on`` asks); the busy apps get ``--rate``
   requests a second each through the edge while the others go idle for
   ``--idle-seconds`` and are put to sleep; memory again. Uptime checks are
   turned off for these projects unless ``--uptime-checks``: on by default, each
   check (every 60 s) is a request that wakes a sleeping app;
3. p95 latency of the busy apps through the edge over ``--load-seconds``;
4. wake-up of ``--wakes`` sleeping apps: first byte of the first request through
   the edge, one after the other.

Memory is the sum of RSS (and of PSS, which counts shared pages once) over
every process ``autostack up`` started (its process tree: API, worker, Caddy,
sandboxes, apps), and the box's used memory (MemTotal - MemAvailable) before
and after; the box is shared, so that last figure moves with the others' work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runtime_bench import APPS, first_byte, start_plain, stop_plain
from tests.e2e.conftest import AUTOSTACK, Server, free_port, make_env

MIB = 1024 * 1024


def runtime_of(number: int) -> str:
    """Even apps run Node, odd ones Python: half and half, busy ones included."""
    return "node" if number % 2 == 0 else "python"


def write_app(folder: Path, runtime: str) -> Path:
    """A project folder whose build copies a prebuilt server output into place."""
    filename, source, command = APPS[runtime]
    prebuilt = folder / "prebuilt"
    (prebuilt / "server").mkdir(parents=True)
    (prebuilt / "server" / filename).write_text(source)
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(json.dumps(
        {"runtime": runtime, "command": command, "health_path": "/", "directory": "server"}))
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output"}))
    return folder


# -- memory ------------------------------------------------------------------------

def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def kind_of(pid: int) -> str:
    """What a process is, for the breakdown: its program (and a Python module's name)."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    words = [word.decode(errors="replace") for word in argv if word]
    if not words:
        return "?"
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1].rsplit(".", 1)[-1]
    return " ".join(Path(word).name for word in words[:2] if not word.startswith("-"))


def memory_by_kind(pids: Iterable[int]) -> dict[str, list[int]]:
    """Kind of process -> [count, RSS kB, PSS kB], for the processes still alive."""
    kinds: dict[str, list[int]] = {}
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            kind = kind_of(pid)
        except OSError:
            continue
        row = kinds.setdefault(kind, [0, 0, 0])
        row[0] += 1
        for line in rollup.splitlines():
            label, _, value = line.partition(":")
            if label == "Rss":
                row[1] += int(value.split()[0])
            elif label == "Pss":
                row[2] += int(value.split()[0])
    return kinds


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system CPU time of the processes still alive, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def box_used_mib() -> float:
    """MemTotal - MemAvailable of the whole machine, in MiB."""
    fields = {line.split(":")[0]: int(line.split()[1])
              for line in Path("/proc/meminfo").read_text().splitlines()}
    return (fields["MemTotal"] - fields["MemAvailable"]) / 1024


def memory_line(label: str, pids: Iterable[int]) -> dict[str, float]:
    """Print and return the memory of ``pids``, with a breakdown by kind of process."""
    kinds = memory_by_kind(pids)
    alive = sum(row[0] for row in kinds.values())
    rss, pss = (sum(row[column] for row in kinds.values()) / 1024 for column in (1, 2))
    box = box_used_mib()
    print(f"  {label}: {alive} processes, RSS {rss:.0f} MiB, PSS {pss:.0f} MiB; "
          f"box used {box:.0f} MiB", flush=True)
    for kind, (count, kind_rss, kind_pss) in sorted(kinds.items(), key=lambda item: -item[1][2]):
        print(f"      {count:4} {kind[:40]:<40} RSS {kind_rss / 1024:6.0f} MiB, "
              f"PSS {kind_pss / 1024:6.0f} MiB", flush=True)
    return {"rss": rss, "pss": pss, "processes": alive, "box": box}


# -- load ------------------------------------------------------------------------------

async def paced_load(targets: list[tuple[str, str]], rate: float,
                     seconds: float) -> list[float]:
    """``rate`` GETs a second to each (url, Host) for ``seconds``; every latency in ms.
    A failed request raises: a busy app must answer every one."""
    latencies: list[float] = []
    interval = 1 / rate
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(url: str, host: str) -> None:
            ends = time.monotonic() + seconds
            while time.monotonic() < ends:
                started = time.monotonic()
                response = await client.get(url, headers={"Host": host})
                if response.status_code != 200:
                    raise RuntimeError(f"{host}: {response.status_code} {response.text[:200]}")
                elapsed = time.monotonic() - started
                latencies.append(elapsed * 1000)
                await asyncio.sleep(max(0.0, interval - elapsed))

        await asyncio.gather(*(one(url, host) for url, host in targets))
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.2f} ms, p95 {p95(values):.2f} ms, " \
           f"{len(values)} requests"


# -- baseline: bare processes --------------------------------------------------------

async def wait_listening(port: int) -> None:
    await first_byte(f"http://127.0.0.1:{port}/", "bare")


def start_bare(folder: Path, runtime: str) -> tuple[int, subprocess.Popen[bytes]]:
    """The app's command as a bare process in a folder of its own; its port and process."""
    folder.mkdir(parents=True)
    return start_plain(folder, runtime)


async def baseline(root: Path, apps: int, busy: int, wakes: int, rate: float,
                   seconds: float) -> dict[str, object]:
    print(f"baseline: {apps} bare processes", flush=True)
    started = [start_bare(root / f"bare-{number}", runtime_of(number))
               for number in range(apps)]
    try:
        await asyncio.gather(*(wait_listening(port) for port, _ in started))
        for number, (_, process) in enumerate(started):
            if process.poll() is not None:  # two free ports alike: another one answered
                started[number] = start_bare(root / f"bare-{number}-again", runtime_of(number))
                await wait_listening(started[number][0])
        memory = memory_line("bare apps", [process.pid for _, process in started])
        pids = [process.pid for _, process in started]
        cpu = cpu_seconds(pids)
        latencies = await paced_load(
            [(f"http://127.0.0.1:{port}/", "bare") for port, _ in started[:busy]],
            rate, seconds)
        cpu = (cpu_seconds(pids) - cpu) / len(latencies)
        print(f"  busy {busy} straight on their ports: {summary(latencies)}; "
              f"{cpu * 1000:.2f} CPU ms a request", flush=True)
    finally:
        for _, process in started:
            stop_plain(process)
    starts: dict[str, list[float]] = {"node": [], "python": []}
    for number in range(wakes):
        runtime = runtime_of(number)
        begun = time.monotonic()
        port, process = start_bare(root / f"wake-{number}", runtime)
        try:
            await wait_listening(port)
            starts[runtime].append(time.monotonic() - begun)
        finally:
            stop_plain(process)
    for runtime, values in starts.items():
        print(f"  bare {runtime} start to first byte: median "
              f"{statistics.median(values) * 1000:.0f} ms", flush=True)
    return {"memory": memory, "latencies": latencies, "starts": starts, "cpu": cpu}


# -- AutoStack ---------------------------------------------------------------------------

def start_server(root: Path, idle_seconds: float) -> Server:
    data_dir = root / "data"
    env = make_env(data_dir, None, "density")
    env["AUTOSTACK_PREVIEW_IDLE_SECONDS"] = str(idle_seconds)
    server = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                    log_path=root / "server.log")
    subprocess.run([AUTOSTACK, "users", "create", "--email", "b@example.com", "--password",
                    "benchmark pass", "--data-dir", str(data_dir)], env=env, check=True,
                   capture_output=True)
    server.start()
    server.token = httpx.post(f"{server.url}/api/v1/auth/login", json={
        "email": "b@example.com", "password": "benchmark pass",
        "token_name": "bench"}).json()["token"]
    return server


def deploy_all(server: Server, root: Path, apps: int, workers: int) -> dict[str, str]:
    """Every app deployed to production; project name -> deployment id."""
    def deploy(number: int) -> tuple[str, str]:
        name = f"app{number:03}"
        folder = write_app(root / "apps" / name, runtime_of(number))
        result = json.loads(server.cli("deploy", str(folder), "--prod", "--project", name,
                                       "--json").stdout)
        if result["state"] != "ready":
            raise RuntimeError(f"{name}: {result}")
        return name, result["id"]

    begun = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        deployed = dict(pool.map(deploy, range(apps)))
    took = time.monotonic() - begun
    print(f"  {apps} deploys ({workers} at a time): {took:.0f} s, "
          f"{took / apps:.2f} s each", flush=True)
    return deployed


def runtime_statuses(server: Server, deployed: dict[str, str]) -> dict[str, str]:
    with server.api() as api:
        return {name: api.get(f"/api/v1/deployments/{deployment}").json()["runtime_status"]
                for name, deployment in deployed.items()}


def turn_scale_to_zero_on(server: Server, names: list[str], uptime_checks: bool) -> None:
    """What ``autostack projects set NAME --scale-to-zero on`` asks, without starting a CLI
    process for each project; uptime checks off unless ``uptime_checks`` (each one is a
    request through the edge that wakes a sleeping app, every minute by default)."""
    with server.api() as api:
        for name in names:
            answers = [api.put(f"/api/v1/projects/{name}/scale", json={"scale_to_zero": True})]
            if not uptime_checks:
                answers.append(api.patch(f"/api/v1/projects/{name}/uptime",
                                         json={"enabled": False}))
            for answer in answers:
                if answer.status_code != 200:
                    raise RuntimeError(f"{name}: {answer.status_code} {answer.text}")


async def scale_to_zero_under_load(server: Server, deployed: dict[str, str], busy: list[str],
                                   rate: float, deadline: float, uptime_checks: bool) -> None:
    """Load on the busy apps while scale to zero is turned on for every project, until
    every other app sleeps (or ``deadline`` seconds pass); a busy one must stay awake."""
    idle = {name: deployed[name] for name in deployed if name not in busy}
    edge = f"http://127.0.0.1:{server.edge_port}/"
    load = asyncio.create_task(paced_load([(edge, f"{name}.localhost") for name in busy],
                                          rate, float("inf")))  # until cancelled
    await asyncio.to_thread(turn_scale_to_zero_on, server, list(deployed), uptime_checks)
    ends = time.monotonic() + deadline
    while True:
        statuses = await asyncio.to_thread(runtime_statuses, server, idle)
        awake = [name for name, status in statuses.items() if status != "asleep"]
        if not awake:
            break
        if load.done():
            load.result()  # a failed request: raise it
        if time.monotonic() > ends:
            raise RuntimeError(f"still awake after {deadline:g} s: {awake}")
        await asyncio.sleep(1)
    load.cancel()
    busy_statuses = await asyncio.to_thread(runtime_statuses, server,
                                            {name: deployed[name] for name in busy})
    if any(status == "asleep" for status in busy_statuses.values()):
        raise RuntimeError(f"a busy app fell asleep: {busy_statuses}")


async def autostack(root: Path, args: argparse.Namespace) -> dict[str, object]:
    print(f"autostack up: {args.apps} apps", flush=True)
    before = box_used_mib()
    server = start_server(root, args.idle_seconds)
    assert server.process is not None
    try:
        memory_line("autostack up, nothing deployed", process_tree(server.process.pid))
        deployed = deploy_all(server, root, args.apps, args.workers)
        names = list(deployed)
        busy = names[:args.busy]
        awake = memory_line("every app awake", process_tree(server.process.pid))
        await scale_to_zero_under_load(server, deployed, busy, args.rate,
                                       args.idle_seconds * 3 + 300, args.uptime_checks)
        edge = f"http://127.0.0.1:{server.edge_port}/"
        load = asyncio.create_task(paced_load([(edge, f"{name}.localhost") for name in busy],
                                              args.rate, args.load_seconds))
        cpu = cpu_seconds(process_tree(server.process.pid))
        await asyncio.sleep(args.load_seconds / 2)
        asleep = memory_line(f"{len(busy)} busy, {len(names) - len(busy)} asleep",
                             process_tree(server.process.pid))
        latencies = await load
        cpu = (cpu_seconds(process_tree(server.process.pid)) - cpu) / len(latencies)
        print(f"  busy {len(busy)} through the edge: {summary(latencies)}; "
              f"{cpu * 1000:.2f} CPU ms a request (everything autostack up started)",
              flush=True)
        wakes: dict[str, list[float]] = {"node": [], "python": []}
        for name in names[len(busy):len(busy) + args.wakes]:
            took = await first_byte(edge, f"{name}.localhost")
            wakes[runtime_of(int(name[3:]))].append(took)
        for runtime, values in wakes.items():
            print(f"  {runtime} wake-up through the edge: median "
                  f"{statistics.median(values) * 1000:.0f} ms, max "
                  f"{max(values) * 1000:.0f} ms ({len(values)})", flush=True)
        return {"awake": awake, "asleep": asleep, "latencies": latencies, "wakes": wakes,
                "box_before": before, "cpu": cpu}
    finally:
        server.stop()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        bare = await baseline(root, args.apps, args.busy, args.wakes, args.rate,
                              args.load_seconds)
        ours = await autostack(root, args)
    bare_memory, awake, asleep = bare["memory"], ours["awake"], ours["asleep"]
    assert isinstance(bare_memory, dict) and isinstance(awake, dict) and isinstance(asleep, dict)
    print(f"\n{args.apps} apps ({args.busy} busy at {args.rate:g} requests/s each):")
    for label, memory in (("every app awake", awake), ("idle ones asleep", asleep)):
        print(f"  memory, {label}: RSS {memory['rss']:.0f} MiB "
              f"({memory['rss'] / bare_memory['rss']:.2f}x the bare apps' "
              f"{bare_memory['rss']:.0f}), PSS {memory['pss']:.0f} MiB "
              f"({memory['pss'] / bare_memory['pss']:.2f}x {bare_memory['pss']:.0f}); "
              f"under 4 GiB: RSS {'yes' if memory['rss'] < 4096 else 'NO'}, "
              f"PSS {'yes' if memory['pss'] < 4096 else 'NO'}")
    print(f"  box used: {ours['box_before']:.0f} MiB before autostack up, "
          f"{awake['box']:.0f} with every app awake, {asleep['box']:.0f} with idle ones asleep "
          "(shared machine)")
    ours_p95, bare_p95 = p95(ours["latencies"]), p95(bare["latencies"])  # type: ignore[arg-type]
    print(f"  busy p95: {ours_p95:.2f} ms through the edge, {bare_p95:.2f} ms bare "
          f"({ours_p95 / bare_p95:.1f}x)")
    ours_cpu, bare_cpu = float(ours["cpu"]), float(bare["cpu"])  # type: ignore[arg-type]
    print(f"  CPU a busy request: {ours_cpu * 1000:.2f} ms through AutoStack, "
          f"{bare_cpu * 1000:.2f} ms bare ({ours_cpu / bare_cpu:.1f}x)")
    for runtime in ("node", "python"):
        woke = statistics.median(ours["wakes"][runtime])  # type: ignore[index]
        bare_start = statistics.median(bare["starts"][runtime])  # type: ignore[index]
        print(f"  {runtime} wake-up: {woke * 1000:.0f} ms, bare start {bare_start * 1000:.0f} ms "
              f"({woke / bare_start:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--busy", type=int, default=10)
    parser.add_argument("--wakes", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--load-seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=10, help="requests/s to each busy app")
    parser.add_argument("--workers", type=int, default=2, help="deploys at a time")
    parser.add_argument("--uptime-checks", action="store_true",
                        help="leave the projects' uptime checks on (each wakes a sleeping app)")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main(parser.parse_args()))
