"""Push-to-live benchmark: a warm ``git push`` until the edge serves the new content.

Run with ``.venv/bin/python bench/push_bench.py [rounds]``. The site is the 200-file,
2 MB static folder of ``bench/deploy_bench.py``. Each round changes ``index.html``,
commits, and times two pushes of that commit, in alternating order:

- the floor: ``git push`` to a bare repository whose ``post-receive`` hook checks the
  tree out (``GIT_WORK_TREE=site git checkout -f``) into the folder a bare Caddy
  ``file_server`` serves, until Caddy answers with the new content (what piku does
  for a static site, without its SSH);
- AutoStack: ``git push`` to the built-in remote of a real ``autostack up`` (HTTP,
  an API token), until its edge serves the new content at the production hostname.

It prints medians, the ratio to the floor, and where AutoStack's time went per part:
``receive`` (push start until the deployment exists), then the parts of the
pipeline's ``Timings:`` log line (queued, checkout, detect, build, store, deploy,
route), what was left until ``ready`` was persisted, ``report`` (ready until ``git push``
returned: its report follows the deployment until ready) and ``edge`` (until the
client saw the new content through the edge).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_bench import make_folder, timings_of

from tests.conftest import free_port
from tests.e2e.conftest import AUTOSTACK, Server, make_env
from tests.git_commands import git

ROUNDS = 7
CADDY = str(Path(sys.executable).parent / "caddy")
HOOK = """#!/bin/sh
GIT_WORK_TREE="{site}" git checkout -f --quiet main
"""


CLIENT = httpx.Client(timeout=5, verify=False)
"""One client for every poll of both sides: a new one per request costs 100-200 ms here
(``httpx.get`` builds an SSL context each time), which made both sides look closer."""


def wait_for(url: str, marker: str, host: str | None = None) -> None:
    headers = {"Host": host} if host else {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if marker in CLIENT.get(url, headers=headers).text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{url} never served {marker!r}")


def floor_setup(root: Path) -> tuple[Path, subprocess.Popen[bytes], str]:
    """A bare repository with a checkout hook and a Caddy serving the checked-out folder."""
    bare, site = root / "floor.git", root / "floor-site"
    site.mkdir()
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch", "main", str(bare)],
                   check=True)
    hook = bare / "hooks" / "post-receive"
    hook.write_text(HOOK.format(site=site))
    hook.chmod(0o755)
    port = free_port()
    config = {"admin": {"disabled": True}, "apps": {"http": {"servers": {"floor": {
        "listen": [f"127.0.0.1:{port}"], "automatic_https": {"disable": True},
        "routes": [{"handle": [{"handler": "file_server", "root": str(site)}]}]}}}}}
    (root / "caddy.json").write_text(json.dumps(config))
    caddy = subprocess.Popen([CADDY, "run", "--config", str(root / "caddy.json")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return bare, caddy, f"http://127.0.0.1:{port}/"


def push_autostack(server: Server, repo: Path, remote: str, marker: str,
                   parts: dict[str, list[float]]) -> float:
    started_wall, started = time.time(), time.perf_counter()
    git("push", "--quiet", remote, "main", cwd=repo)
    pushed = time.perf_counter()
    wait_for(f"http://127.0.0.1:{server.edge_port}/", marker, "pushbench.localhost")
    total = time.perf_counter() - started
    with server.api() as api:
        deployment = api.get("/api/v1/projects/pushbench/deployments").json()["deployments"][0]
    created = datetime.fromisoformat(deployment["created_at"]).timestamp()
    ready = datetime.fromisoformat(deployment["ready_at"]).timestamp() - started_wall
    steps = timings_of(server, deployment["id"])
    parts["receive"].append(created - started_wall)
    for name, seconds in steps.items():
        parts[name].append(seconds)
    pipeline = created - started_wall + sum(steps.values())
    # Between the parts (the deploying transition, log lines), until ready is persisted.
    parts["(unmeasured until ready)"].append(ready - pipeline)
    parts["report (ready -> git push returned)"].append(pushed - started - ready)
    parts["edge (push returned -> served)"].append(total - (pushed - started))
    parts["(git push returned)"].append(pushed - started)
    return total


def push_floor(repo: Path, bare: Path, url: str, marker: str,
               parts: dict[str, list[float]]) -> float:
    started = time.perf_counter()
    git("push", "--quiet", str(bare), "main", cwd=repo)
    pushed = time.perf_counter()
    wait_for(url, marker)
    total = time.perf_counter() - started
    parts["floor: git push (hook included)"].append(pushed - started)
    parts["floor: push returned -> served"].append(total - (pushed - started))
    return total


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    load_before = os.getloadavg()[0]
    with TemporaryDirectory() as scratch:
        root = Path(scratch)
        repo = make_folder(root)
        git("init", "--quiet", "--initial-branch", "main", cwd=repo)
        git("add", ".", cwd=repo)
        git("commit", "--quiet", "-m", "first", cwd=repo)
        bare, caddy, floor_url = floor_setup(root)
        data_dir = root / "data"
        env = make_env(data_dir, None, "pushbench")
        server = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                        log_path=root / "server.log")
        subprocess.run([AUTOSTACK, "users", "create", "--email", "b@example.com", "--password",
                        "benchmark pass", "--data-dir", str(data_dir)], env=env, check=True,
                       capture_output=True)
        server.start()
        try:
            server.token = httpx.post(f"{server.url}/api/v1/auth/login", json={
                "email": "b@example.com", "password": "benchmark pass",
                "token_name": "bench"}).json()["token"]
            with server.api() as api:
                assert api.post("/api/v1/projects", json={"name": "pushbench"}).status_code == 201
            remote = f"http://b%40example.com:{server.token}@localhost:{server.port}" \
                     "/git/pushbench.git"
            parts: dict[str, list[float]] = defaultdict(list)
            first = push_autostack(server, repo, remote, "<h1>round 0</h1>", defaultdict(list))
            push_floor(repo, bare, floor_url, "<h1>round 0</h1>", defaultdict(list))
            floors, pushes = [], []
            for number in range(1, rounds + 1):
                marker = f"<h1>round {number}</h1>"
                (repo / "index.html").write_text(marker)
                git("commit", "--quiet", "-am", f"round {number}", cwd=repo)
                if number % 2:
                    floors.append(push_floor(repo, bare, floor_url, marker, parts))
                    pushes.append(push_autostack(server, repo, remote, marker, parts))
                else:
                    pushes.append(push_autostack(server, repo, remote, marker, parts))
                    floors.append(push_floor(repo, bare, floor_url, marker, parts))
        finally:
            server.stop()
            caddy.terminate()
            caddy.wait(10)
    floor, push = statistics.median(floors), statistics.median(pushes)
    print(f"load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    print(f"first push -> served          {first * 1000:8.1f} ms")
    print(f"floor (bare repo + hook + Caddy) median {floor * 1000:8.1f} ms  "
          f"(min {min(floors) * 1000:.1f}, max {max(floors) * 1000:.1f})")
    print(f"warm push -> served           median {push * 1000:8.1f} ms  "
          f"(min {min(pushes) * 1000:.1f}, max {max(pushes) * 1000:.1f})  "
          f"ratio {push / floor:5.2f}x (goal <= 2x)")
    print("where a warm push's time goes (medians):")
    for name, values in parts.items():
        print(f"  {name:<36} {statistics.median(values) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
