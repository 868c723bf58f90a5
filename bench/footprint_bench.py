"""Footprint of ``autostack up``: start-up to ready, and idle memory, against a bare baseline.

Run with ``.venv/bin/python bench/footprint_bench.py [--runs 3] [--idle 5]``.
Everything stays on the loopback, on free ports, in a temporary directory.

Each run, interleaved (the machine is shared and its load drifts):

(a) ``autostack up`` on a fresh data directory (SQLite, embedded defaults,
    every built-in plugin loaded): the first start, migrations included;
(b) ``autostack up`` again on the same data directory: a restart;
(c) the baseline: a minimal Starlette app under uvicorn answering one health
    route, plus a bare Caddy answering one fixed response, started together;
(d) with ``--eager``, the restart again with what issue 19 made lazy imported
    at start (what that saved, in the same run).

Ready is the health endpoint answering 200 and the edge answering HTTP (for
AutoStack, its own 404 for a hostname it does not know). Measured: wall time
from the spawn to ready, and the CPU time (user + system) the processes had
used by then, which the other engineers' load disturbs less. After ``--idle``
seconds, the memory of every process started (the command and its children,
Caddy among them) from ``/proc/<pid>/smaps_rollup``.

The headline figures are RSS and anonymous memory (``Anonymous:``: heap,
stacks, Python's objects and code), per process and summed. Neither depends
on what else runs on the box. RSS counts shared pages whole (Caddy's ~40 MiB
of binary text among them); anonymous memory is what the process itself
allocated. PSS (shared pages divided among the processes sharing them) and USS
(pages only this process maps) are printed second, and **only a quiet machine
gives them meaning**: every other Caddy and Python on the box (other engineers'
tests) shares the file-backed pages of the same binaries and libraries and
deflates both. A PSS of 113.7 MiB recorded beside such processes was 155 MiB
on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT = 180.0
# One client for every readiness poll: a new one per poll made an SSL context each time
# (20-80 ms of CPU here), a poll's cost then delayed seeing that a start was ready.
POLL_CLIENT = httpx.Client(timeout=1)

BASELINE_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def health(request):
    return JSONResponse({"status": "ok"})

app = Starlette(routes=[Route("/api/v1/health", health)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

# ``--eager``: what issue 19 made lazy, done at start again, to show in the same run what
# that saved: Cloud Run's client, asyncpg, dnspython, the argon2 stand-in hash and
# httpx's command line (rich, pygments).
EAGER_UP = """
import sys
import asyncpg, dns.asyncresolver, dns.nameserver
import httpx._main
from argon2 import PasswordHasher
try:
    import google.api_core.client_options, google.api_core.exceptions, google.cloud.run_v2
except ImportError:
    pass
PasswordHasher().hash("autostack timing equaliser")
from autostack_core.cli import main
sys.exit(main())
"""


@dataclass
class Sample:
    """One start: seconds to ready (wall, CPU) and idle memory in MiB per process kind."""

    ready_wall: float
    ready_cpu: float
    memory: dict[str, dict[str, float]]

    def total(self, kind: str) -> float:
        return sum(figures[kind] for figures in self.memory.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (Caddy runs in a session of its own, still a child)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system time the processes have used (their own, not their waited-for children)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def process_name(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    name = Path(command[0].decode()).name
    return "caddy" if name == "caddy" else "python"


def memory(pids: list[int]) -> dict[str, dict[str, float]]:
    """RSS, anonymous, file-backed, PSS and USS in MiB of each process, keyed ``name[pid]``."""
    figures: dict[str, dict[str, float]] = {}
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            name = process_name(pid)
        except FileNotFoundError:
            continue
        kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:]}
        figures[f"{name}[{pid}]"] = {
            "rss": kb["Rss"] / 1024, "anon": kb["Anonymous"] / 1024,
            "file": (kb["Rss"] - kb["Anonymous"]) / 1024,
            "pss": kb["Pss"] / 1024,
            "uss": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
        }
    return figures


def by_kind(sample: Sample, name: str, kind: str) -> float:
    """``kind`` of the processes called ``name`` (``python`` or ``caddy``), summed."""
    return sum(figures[kind] for key, figures in sample.memory.items()
               if key.startswith(f"{name}["))


def others_sharing() -> dict[str, int]:
    """How many Caddy and Python processes run on the box besides this one (any user's)."""
    counts = {"caddy": 0, "python": 0}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                name = os.path.basename(Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0])
            except OSError:
                continue
            for kind in counts:
                counts[kind] += name.startswith(kind.encode())
    return counts


def answers(url: str, host: str | None = None) -> bool:
    headers = {"Host": host} if host else {}
    try:
        return POLL_CLIENT.get(url, headers=headers).status_code < 500
    except httpx.HTTPError:
        return False


def measure(spawn: Callable[[], list[subprocess.Popen[bytes]]], health: str, edge: str,
            idle: float) -> tuple[Sample, list[subprocess.Popen[bytes]]]:
    """Start, poll until both URLs answer, wait ``idle`` seconds, read the memory."""
    started = time.perf_counter()
    processes = spawn()
    deadline = started + READY_TIMEOUT
    health_ok = edge_ok = False
    while not (health_ok and edge_ok):
        if time.perf_counter() > deadline or any(p.poll() is not None for p in processes):
            stop(processes)
            raise RuntimeError(f"not ready after {time.perf_counter() - started:.1f} s: "
                               f"health {health_ok}, edge {edge_ok}")
        health_ok = health_ok or answers(health)
        edge_ok = edge_ok or answers(edge, "nothing-here.localhost")
        if not (health_ok and edge_ok):
            time.sleep(0.01)
    ready_wall = time.perf_counter() - started
    pids = [pid for process in processes for pid in descendants(process.pid)]
    ready_cpu = cpu_seconds(pids)
    time.sleep(idle)
    pids = [pid for process in processes for pid in descendants(process.pid)]
    return Sample(ready_wall, ready_cpu, memory(pids)), processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


PRIORITY_CGROUP: Path | None = None
"""The CPU cgroup measured starts run in (``--cpu-shares``), or None."""


def priority_cgroup(shares: int) -> Path:
    """Make the weighted CPU cgroup of ``--cpu-shares`` (cgroup v1 or v2)."""
    root = Path("/sys/fs/cgroup")
    if (root / "cgroup.controllers").exists():
        folder, name, value = root / "autostack-footprint-bench", "cpu.weight", \
            str(max(1, min(10000, shares * 100 // 1024)))
    else:
        folder, name, value = root / "cpu" / "autostack-footprint-bench", "cpu.shares", str(shares)
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(value)
    return folder


def enter_priority() -> None:
    """In the child before exec: join :data:`PRIORITY_CGROUP`, if any."""
    if PRIORITY_CGROUP is not None:
        (PRIORITY_CGROUP / "cgroup.procs").write_text(str(os.getpid()))


def python_env(pycache: Path) -> dict[str, str]:
    """The environment without AutoStack's settings, byte-code cached as an installation has it.

    ``pip install`` compiles every module; a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would compile them at each start instead (seconds
    here), which no user pays. The cache goes to ``pycache``, not the checkout.
    """
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("AUTOSTACK_") and key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_autostack(data_dir: Path, log: Path, idle: float, eager: bool = False) -> Sample:
    port, edge_port = free_port(), free_port()
    env = {**python_env(data_dir.parent / "pycache"), "AUTOSTACK_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", EAGER_UP] if eager else [str(BIN / "autostack")]

    def spawn() -> list[subprocess.Popen[bytes]]:
        with log.open("ab") as out:
            return [subprocess.Popen(
                [*command, "up", "--port", str(port), "--edge-port",
                 str(edge_port), "--data-dir", str(data_dir)],
                env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=enter_priority)]

    try:
        sample, processes = measure(spawn, f"http://127.0.0.1:{port}/api/v1/health",
                                    f"http://127.0.0.1:{edge_port}/", idle)
    except RuntimeError as error:
        raise RuntimeError(f"{error}; autostack up's log:\n{log.read_text()[-3000:]}") from error
    stop(processes)
    return sample


def run_baseline(root: Path, idle: float) -> Sample:
    port, edge_port, admin = free_port(), free_port(), free_port()
    app = root / "baseline_app.py"
    app.write_text(BASELINE_APP)
    config = root / "baseline_caddy.json"
    config.write_text(json.dumps({
        "admin": {"listen": f"127.0.0.1:{admin}", "config": {"persist": False}},
        "apps": {"http": {"servers": {"bare": {
            "listen": [f"127.0.0.1:{edge_port}"], "automatic_https": {"disable": True},
            "routes": [{"handle": [{"handler": "static_response", "status_code": 404}]}],
        }}}},
    }))
    env = {**python_env(root / "pycache"), "HOME": str(root),
           "XDG_DATA_HOME": str(root / "caddy"), "XDG_CONFIG_HOME": str(root / "caddy")}

    def spawn() -> list[subprocess.Popen[bytes]]:
        quiet = subprocess.DEVNULL
        return [subprocess.Popen([sys.executable, str(app), str(port)], env=env,
                                 stdout=quiet, stderr=quiet, preexec_fn=enter_priority),
                subprocess.Popen([str(BIN / "caddy"), "run", "--config", str(config)],
                                 env=env, stdout=quiet, stderr=quiet, preexec_fn=enter_priority)]

    sample, processes = measure(spawn, f"http://127.0.0.1:{port}/api/v1/health",
                                f"http://127.0.0.1:{edge_port}/", idle)
    stop(processes)
    return sample


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return (f"{statistics.median(values):.{digits}f} {unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def report(name: str, samples: list[Sample], baseline: list[Sample]) -> None:
    print(f"\n{name}  (median of {len(samples)}, range in brackets)")
    for label, key in (("ready, wall", "ready_wall"), ("ready, CPU", "ready_cpu")):
        ours = [getattr(sample, key) for sample in samples]
        ratios = [getattr(s, key) / getattr(b, key) for s, b in zip(samples, baseline, strict=True)]
        print(f"  {label:<12} {spread(ours, 's')}   {spread(ratios, 'x', 1)} of the baseline")
    for kind in ("rss", "anon"):
        ours = [sample.total(kind) for sample in samples]
        ratios = [s.total(kind) / b.total(kind) for s, b in zip(samples, baseline, strict=True)]
        print(f"  idle {kind.upper():<7} {spread(ours, 'MiB', 1)}   "
              f"{spread(ratios, 'x', 1)} of the baseline")
    for name in ("python", "caddy"):
        print(f"  {name:<12} " + ", ".join(
            f"{kind.upper()} {spread([by_kind(s, name, kind) for s in samples], 'MiB', 1)}"
            for kind in ("rss", "anon", "file")))
    print("  meaningful on a quiet machine only (processes sharing pages deflate them): "
          + ", ".join(f"{kind.upper()} {spread([s.total(kind) for s in samples], 'MiB', 1)}"
                      for kind in ("pss", "uss")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading")
    parser.add_argument("--eager", action="store_true",
                        help="also a restart with what issue 19 made lazy imported at start")
    parser.add_argument("--cpu-shares", type=int, default=0,
                        help="run the measured starts in a CPU cgroup of this weight (root)")
    args = parser.parse_args()
    global PRIORITY_CGROUP
    if args.cpu_shares:
        PRIORITY_CGROUP = priority_cgroup(args.cpu_shares)
    first: list[Sample] = []
    restart: list[Sample] = []
    baseline: list[Sample] = []
    eager: list[Sample] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        # Unmeasured: fills the byte-code cache, as ``pip install`` would have.
        run_baseline(root, 0)
        run_autostack(root / "warm-up", root / "warm-up.log", 0)
        for run in range(args.runs):
            data_dir, log = root / f"data{run}", root / f"up{run}.log"
            baseline.append(run_baseline(root, args.idle))
            first.append(run_autostack(data_dir, log, args.idle))
            restart.append(run_autostack(data_dir, log, args.idle))
            if args.eager:
                eager.append(run_autostack(data_dir, log, args.idle, eager=True))
            print(f"run {run + 1}: first start {first[-1].ready_wall:.2f} s, "
                  f"restart {restart[-1].ready_wall:.2f} s, baseline "
                  f"{baseline[-1].ready_wall:.2f} s; idle RSS {restart[-1].total('rss'):.1f} MiB "
                  f"(Python anonymous {by_kind(restart[-1], 'python', 'anon'):.1f}) vs "
                  f"{baseline[-1].total('rss'):.1f} MiB", flush=True)
    if PRIORITY_CGROUP is not None:
        PRIORITY_CGROUP.rmdir()
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
          + (f"; measured starts in a CPU cgroup of weight {args.cpu_shares}"
             if args.cpu_shares else ""))
    print("other processes on the box now (they share pages with ours, deflating PSS/USS): "
          + ", ".join(f"{count} {name}" for name, count in others_sharing().items()))
    report("baseline: minimal Starlette app under uvicorn + bare Caddy", baseline, baseline)
    report("autostack up, fresh data directory (first start, migrations)", first, baseline)
    report("autostack up, restart on the same data directory", restart, baseline)
    if eager:
        report("the same restart, with the imports issue 19 made lazy done at start "
               "(Cloud Run client, asyncpg, dnspython, argon2 stand-in hash, httpx's CLI)",
               eager, baseline)


if __name__ == "__main__":
    main()
