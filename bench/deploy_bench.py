"""Deploy benchmarks: a 200-file, 2 MB static folder through the real CLI and server.

Run with ``.venv/bin/python bench/deploy_bench.py [ROUNDS] [--client-path DIR] [--split]``.
Starts ``autostack up`` on free loopback ports in a temporary directory, then measures,
ROUNDS times each:

(a) first deploy: ``autostack deploy --prod`` until the production URL serves
    the new content, against ``cp -r`` of the same folder (the baseline);
(b) redeploy with one file changed, against the same baseline.
Figures are medians, reported as ratios to the baseline of the same run, then the
CPU time (user + system) of the ``autostack`` client process itself, less sensitive to the
shared machine's load than wall time, and where each deploy's time went on the server (the
pipeline's ``Timings:`` log line).

``--client-path DIR`` runs the client from another copy of ``autostack_core`` (put first
on its ``PYTHONPATH``), e.g. an older commit's, against the same server: before/after
pairs of the CLI. ``--split`` adds ROUNDS one-file redeploys through
``bench/deploy_split.py``, which says where the client's time goes (process start,
imports, hashing, each request, following the build, exit), medians per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import AUTOSTACK, Server, free_port, make_env

ROUNDS = 5
FILES = 200
TOTAL_BYTES = 2 * 1024 * 1024


def make_folder(root: Path) -> Path:
    folder = root / "site"
    (folder / "assets").mkdir(parents=True)
    size = TOTAL_BYTES // FILES
    for number in range(FILES - 1):
        (folder / "assets" / f"file-{number:03}.txt").write_bytes(
            (f"{number:03}" * size)[:size].encode())
    (folder / "index.html").write_text("<h1>round 0</h1>")
    return folder


def timed(action: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def copy_tree(source: Path, target: Path) -> None:
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)


def timings_of(server: Server, deployment_id: str) -> dict[str, float]:
    """The parts of the pipeline's ``Timings:`` log line, in seconds."""
    with server.api() as api:
        lines = api.get(f"/api/v1/deployments/{deployment_id}/logs").json()["lines"]
    text = next(line["line"] for line in lines if line["line"].startswith("Timings: "))
    parts = {}
    for item in text.removeprefix("Timings: ").split(", "):
        name, seconds, _ = item.split(" ")
        parts[name] = float(seconds)
    return parts


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_cli(env: dict[str, str], cpu: list[float]) -> None:
    before = children_cpu()
    subprocess.run([AUTOSTACK, "deploy", "--help"], env=env, check=True, capture_output=True)
    cpu.append(children_cpu() - before)


class Edge:
    """Asks the edge for the production alias on one kept-alive connection (a new httpx
    client per probe cost the measured time 20-30 ms: its TLS context)."""

    def __init__(self, server: Server) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.edge_port}", verify=False,
                                 headers={"Host": "bench.localhost"}, timeout=10)

    def serves(self, marker: str) -> bool:
        return marker in self.http.get("/").text


def deploy_until_served(server: Server, edge: Edge, folder: Path, marker: str,
                        parts: dict[str, list[float]]) -> None:
    before = children_cpu()
    result = server.cli("deploy", str(folder), "--prod", "--project", "bench", "--json")
    parts["client CPU"].append(children_cpu() - before)
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready"
    while not edge.serves(marker):
        time.sleep(0.005)
    for name, seconds in timings_of(server, deployment["id"]).items():
        parts[name].append(seconds)


def print_parts(title: str, parts: dict[str, list[float]]) -> None:
    print(f"{title} (medians: the client's CPU, then the pipeline's Timings line):")
    for name, values in parts.items():
        print(f"  {name:<10} {statistics.median(values) * 1000:8.1f} ms")


def split_redeploy(server: Server, edge: Edge, folder: Path, marker: str,
                   phases: dict[str, list[float]]) -> None:
    """One redeploy through ``bench/deploy_split.py``; its phases in ms into ``phases``."""
    env = {**server.env, "AUTOSTACK_SERVER": server.url, "AUTOSTACK_TOKEN": server.token}
    started = time.time()
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("deploy_split.py")), "deploy", str(folder),
         "--prod", "--project", "bench", "--json"],
        env={**env, "BENCH_T0": repr(started)}, capture_output=True, text=True, check=True)
    exited = time.time()
    while not edge.serves(marker):
        time.sleep(0.005)
    served = time.time()
    lines = result.stderr.splitlines()
    for name, ms in json.loads(next(line for line in lines if line.startswith("SPLIT "))[6:]):
        phases[name].append(ms)
    ended = float(next(line for line in lines if line.startswith("SPLIT_END "))[10:])
    phases["process exit"].append((exited - ended) * 1000)
    phases["until served, after exit"].append((served - exited) * 1000)
    phases["total"].append((served - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=ROUNDS)
    parser.add_argument("--client-path", type=Path, default=None)
    parser.add_argument("--split", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder = make_folder(root)
        data_dir = root / "data"
        env = make_env(data_dir, None, "bench")
        if options.client_path:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(options.client_path.resolve()), *filter(None, [env.get("PYTHONPATH")])])
        # The server runs this checkout's code whichever client is measured.
        server_env = {key: value for key, value in env.items() if key != "PYTHONPATH"}
        subprocess.run([AUTOSTACK, "users", "create", "--email", "b@example.com", "--password",
                        "benchmark pass", "--data-dir", str(data_dir)], env=server_env,
                       check=True, capture_output=True)
        server = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(),
                        env=server_env, log_path=root / "server.log")
        server.start()
        server.env = env
        edge = Edge(server)
        split: dict[str, list[float]] = defaultdict(list)
        try:
            server.token = httpx.post(f"{server.url}/api/v1/auth/login", json={
                "email": "b@example.com", "password": "benchmark pass",
                "token_name": "bench"}).json()["token"]
            copies, firsts, redeploys, starts, start_cpu = [], [], [], [], []
            first_parts: dict[str, list[float]] = defaultdict(list)
            redeploy_parts: dict[str, list[float]] = defaultdict(list)
            for round_number in range(options.rounds):
                target = root / f"copy-{round_number}"
                copies.append(timed(copy_tree, folder, target))
                starts.append(timed(start_cli, env, start_cpu))
                # A fresh project each round so the first deploy uploads everything.
                shutil.rmtree(folder / ".autostack", ignore_errors=True)
                for path in (folder / "assets").iterdir():
                    path.write_bytes(path.read_bytes()[:-8] + f"r{round_number:07}".encode())
                marker = f"round {round_number} first"
                (folder / "index.html").write_text(f"<h1>{marker}</h1>")
                firsts.append(timed(deploy_until_served, server, edge, folder, marker,
                                    first_parts))
                marker = f"round {round_number} second"
                (folder / "index.html").write_text(f"<h1>{marker}</h1>")
                redeploys.append(timed(deploy_until_served, server, edge, folder, marker,
                                       redeploy_parts))
            for round_number in range(options.rounds if options.split else 0):
                marker = f"round {round_number} split"
                (folder / "index.html").write_text(f"<h1>{marker}</h1>")
                split_redeploy(server, edge, folder, marker, split)
        finally:
            edge.http.close()
            server.stop()
    baseline = statistics.median(copies)
    first, redeploy = statistics.median(firsts), statistics.median(redeploys)
    print(f"cp -r baseline      median {baseline * 1000:8.1f} ms")
    print(f"first deploy        median {first * 1000:8.1f} ms  ratio {first / baseline:6.1f}x")
    print(f"one-file redeploy   median {redeploy * 1000:8.1f} ms  ratio "
          f"{redeploy / baseline:6.1f}x")
    print(f"first deploy        min {min(firsts) * 1000:.1f} ms, max {max(firsts) * 1000:.1f} ms"
          f" (goal < 600 ms)")
    print(f"one-file redeploy   min {min(redeploys) * 1000:.1f} ms, "
          f"max {max(redeploys) * 1000:.1f} ms (goal < 300 ms)")
    print(f"`autostack deploy --help` (the CLI's start alone) median "
          f"{statistics.median(starts) * 1000:.1f} ms, "
          f"CPU {statistics.median(start_cpu) * 1000:.1f} ms")
    print_parts("first deploy", first_parts)
    print_parts("one-file redeploy", redeploy_parts)
    if split:
        print("one-file redeploy through bench/deploy_split.py (medians, wall ms):")
        for name, values in split.items():
            print(f"  {name:<32} {statistics.median(values):8.1f} ms")


if __name__ == "__main__":
    main()
