"""The supervisor with real sandboxed processes on loopback ports (no edge)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_plugins.providers.local import restart_guard
from autostack_plugins.providers.local.replicas import RuntimeStartError
from autostack_plugins.providers.local.run_sandbox import RuntimeCgroup, isolation
from autostack_plugins.providers.local.runtime_logs import LogWriter, follow_logs, read_logs
from autostack_plugins.providers.local.supervisor import Supervisor
from autostack_plugins.providers.local.workload import Program, Workload
from tests.eventually import eventually

APP = """\
import http.server, os, signal, sys
TOKEN = os.urandom(4).hex()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = 500 if self.path == "/broken" else 200
        body = f"{os.environ.get('GREETING')} {TOKEN} {os.path.exists('/data')}".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        print("request", self.path, flush=True)
signal.signal(signal.SIGTERM, lambda *args: (print("draining", flush=True), sys.exit(0)))
print("listening", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""

Upstreams = dict[tuple[str, str], list[int]]

# A deployment's cgroup (autostack-run-<id>) is the machine's, and removing it kills every
# process in it: ids unique to this test run keep concurrent runs from killing each other's.
DPL, KEEP, LOST, SPARED = (f"{name}-{os.getpid()}" for name in ("dpl1", "keep", "lost",
                                                                  "spared"))


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "server.py").write_text(APP)
    return folder


@pytest.fixture
def runtime_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=3,
                        runtime_memory_mb=256)
    install_keyring(load_keyring(settings.data_dir))
    return settings


@pytest.fixture
async def upstreams() -> Upstreams:
    return {}


@pytest.fixture
async def supervisor(runtime_settings: Settings,
                     upstreams: Upstreams) -> AsyncIterator[Supervisor]:
    async def record(deployment_id: str, program: str, ports: list[int]) -> None:
        upstreams[(deployment_id, program)] = ports

    instance = Supervisor(runtime_settings, record)
    await instance.adopt()
    try:
        yield instance
    finally:
        for deployment_id in list(instance.runtimes):
            await instance.destroy(deployment_id)
        await instance.close(stop_replicas=True)


def runtime(app_dir: Path, command: str = "python3 server.py", deployment_id: str = DPL,
            health_path: str = "/", replicas: int = 1) -> Workload:
    program = Program("server", command, str(app_dir), health_path, replicas)
    return Workload(deployment_id, [program], env={"GREETING": "hello"})


async def get(port: int, path: str = "/") -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"http://127.0.0.1:{port}{path}")


async def test_start_waits_for_health_and_publishes_the_ports(
    supervisor: Supervisor, upstreams: Upstreams, app_dir: Path
) -> None:
    await supervisor.start(runtime(app_dir, replicas=2))
    ports = upstreams[(DPL, "server")]
    assert len(set(ports)) == 2 and supervisor.status(DPL) == "running"
    response = await get(ports[0])
    greeting, _, data_visible = response.text.split()
    assert greeting == "hello" and data_visible == "False"
    sources = {record["source"] for record in read_logs(supervisor.logs_dir(DPL))}
    assert {"server-0", "server-1", "supervisor"} <= sources


WHO_AM_I = """\
import http.server, json, os, socket, sys
# Read first thing: an app's way out must be there when it starts, not some time later.
routes = [line.split()[:2] for line in open("/proc/net/route").readlines()[1:]]
def reach(port):
    try:
        socket.create_connection(("127.0.0.1", port), 2).close()
        return True
    except OSError:
        return False
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        listening = [line.split()[1] for line in open("/proc/net/tcp").readlines()[1:]
                     if line.split()[3] == "0A"]
        with open("/tmp/scratch", "w") as scratch:  # HOME and temporary files
            scratch.write("ok")
        body = json.dumps({"uid": os.getuid(), "listening": len(listening),
                           "host": reach(int(sys.argv[1])),
                           "way out": [name for name, to in routes if to == "00000000"]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


async def who_am_i(supervisor: Supervisor, upstreams: Upstreams, app_dir: Path) -> dict[str, Any]:
    """Start an app saying its uid, how many ports listen, if it reaches ours, its routes."""
    (app_dir / "who.py").write_text(WHO_AM_I)
    host = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = host.sockets[0].getsockname()[1]
    try:
        await supervisor.start(runtime(app_dir, f"python3 who.py {port}"))
        response = await get(upstreams[(DPL, "server")][0])
    finally:
        host.close()
    seen: dict[str, Any] = response.json()
    return seen


@pytest.mark.skipif(not isolation().available, reason=isolation().detail)
async def test_an_app_runs_unprivileged_in_a_network_of_its_own(
    supervisor: Supervisor, upstreams: Upstreams, app_dir: Path
) -> None:
    seen = await who_am_i(supervisor, upstreams, app_dir)
    # A default route through slirp4netns' tap0: the internet (not tried: tests stay local).
    assert seen == {"uid": 65534, "listening": 1, "host": False, "way out": ["tap0"]}


async def test_without_isolation_an_app_still_runs_on_the_hosts_loopback(
    supervisor: Supervisor, upstreams: Upstreams, app_dir: Path
) -> None:
    """The fallback (no slirp4netns, no user namespaces): what ``autostack doctor`` warns of."""
    supervisor.isolated = False
    seen = await who_am_i(supervisor, upstreams, app_dir)
    assert seen["uid"] == 0 and seen["host"] is True


async def test_a_command_that_exits_at_once_says_so_with_its_last_lines(
    supervisor: Supervisor, app_dir: Path
) -> None:
    with pytest.raises(RuntimeStartError, match=r"exited with code 4[\s\S]*no config"):
        await supervisor.start(runtime(app_dir, "echo no config >&2; exit 4"))
    assert supervisor.status(DPL) == "stopped"


async def test_a_server_that_never_listens_is_reported(
    supervisor: Supervisor, app_dir: Path
) -> None:
    with pytest.raises(RuntimeStartError, match=r"never listened on 127\.0\.0\.1:\$PORT"):
        await supervisor.start(runtime(app_dir, "sleep 30"))


async def test_a_health_check_answering_500_times_out(
    supervisor: Supervisor, app_dir: Path
) -> None:
    with pytest.raises(RuntimeStartError, match=r"GET /broken did not pass .*HTTP 500"):
        await supervisor.start(runtime(app_dir, health_path="/broken"))


async def test_a_crash_is_restarted_and_a_crash_loop_marks_unhealthy(
    supervisor: Supervisor, upstreams: Upstreams, app_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(restart_guard, "MAX_BACKOFF_SECONDS", 0.2)
    monkeypatch.setattr(restart_guard, "CRASH_LOOP_COUNT", 3)
    await supervisor.start(runtime(app_dir))
    for crash in range(3):
        replica = supervisor.runtimes[DPL].replicas[0]
        first_token = (await get(replica.port)).text.split()[1]
        os.killpg(replica.pid, signal.SIGKILL)

        async def restarted(first_token: str = first_token) -> bool:
            try:
                answer = await get(upstreams[(DPL, "server")][0])
            except httpx.TransportError:
                return False
            return answer.text.split()[1] != first_token

        await eventually(restarted, f"a new process after crash {crash + 1}")
    assert supervisor.status(DPL) == "unhealthy"
    events = [r["line"] for r in read_logs(supervisor.logs_dir(DPL))
              if r["source"] == "supervisor"]
    assert any("restarting in" in line for line in events)
    assert any("crash loop" in line for line in events)


async def test_sleep_leaves_a_waker_and_the_next_connection_waits_for_the_start(
    supervisor: Supervisor, upstreams: Upstreams, app_dir: Path
) -> None:
    await supervisor.start(runtime(app_dir))
    await supervisor.sleep(DPL, grace=2)
    assert supervisor.status(DPL) == "asleep"
    asleep = RuntimeCgroup(DPL)
    assert not asleep.pids() and not any(folder.exists() for folder in asleep.folders)
    waker_port = upstreams[(DPL, "server")][0]
    assert "draining" in [r["line"] for r in read_logs(supervisor.logs_dir(DPL))]
    response = await get(waker_port)
    assert response.status_code == 200 and response.text.startswith("hello")
    # The held request is answered once the replica listens; the wake goes on with
    # the health check and the edge's switch.
    await eventually(lambda: supervisor.status(DPL) == "running", "the wake's end")
    assert upstreams[(DPL, "server")] != [waker_port]


async def test_a_new_supervisor_readopts_live_replicas_and_restarts_dead_ones(
    runtime_settings: Settings, app_dir: Path
) -> None:
    seen: Upstreams = {}

    async def record(deployment_id: str, program: str, ports: list[int]) -> None:
        seen[(deployment_id, program)] = ports

    first = Supervisor(runtime_settings, record)
    await first.adopt()
    await first.start(runtime(app_dir, deployment_id=KEEP))
    await first.start(runtime(app_dir, deployment_id=LOST))
    kept = first.runtimes[KEEP].replicas[0]
    lost = first.runtimes[LOST].replicas[0]
    await first.close(stop_replicas=False)  # the control plane dies; the shims live on
    os.killpg(lost.pid, signal.SIGKILL)
    # The environment survives in the state file, but sealed: no variable in plaintext.
    assert "GREETING" not in runtime_settings.path("runtime", "state.json").read_text()

    second = Supervisor(runtime_settings, record)
    await second.adopt()
    try:
        assert second.runtimes[KEEP].replicas[0].pid == kept.pid

        async def answer() -> httpx.Response | None:
            try:
                return await get(seen[(LOST, "server")][0])
            except httpx.TransportError:
                return None

        response = await eventually(answer, "the dead replica restarted")
        assert response.text.startswith("hello")
        assert second.runtimes[LOST].replicas[0].pid != lost.pid
    finally:
        for deployment_id in (KEEP, LOST):
            await second.destroy(deployment_id)
        await second.close(stop_replicas=True)


async def test_a_spare_shim_becomes_the_next_replica_and_is_readopted(
    runtime_settings: Settings, app_dir: Path
) -> None:
    """After a start, a shim waits ready (interpreter started, modules imported) for the next
    replica; the replica it becomes is found again by a new supervisor, and the spare left
    over ends with the control plane."""
    first = Supervisor(runtime_settings, lambda *args: asyncio.sleep(0))
    await first.adopt()
    await first.start(runtime(app_dir, deployment_id=KEEP))
    spare = await first.launcher.spare()
    assert spare is not None
    await first.start(runtime(app_dir, deployment_id=SPARED))
    replica = first.runtimes[SPARED].replicas[0]
    assert replica.pid == spare
    assert (await get(replica.port)).text.startswith("hello")
    left_over = await first.launcher.spare()
    assert left_over is not None and left_over != spare
    await first.close(stop_replicas=False)
    assert not Path(f"/proc/{left_over}").exists() or \
        Path(f"/proc/{left_over}/stat").read_text().split()[2] == "Z"

    second = Supervisor(runtime_settings, lambda *args: asyncio.sleep(0))
    await second.adopt()
    try:
        assert second.runtimes[SPARED].replicas[0].pid == spare
        assert (await get(replica.port)).text.startswith("hello")
    finally:
        for deployment_id in (KEEP, SPARED):
            await second.destroy(deployment_id)
        await second.close(stop_replicas=True)


@pytest.mark.dbless
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_starting_deployment_weighs_more_for_the_cpu_and_its_limit_stays(
    tmp_path: Path, version: str
) -> None:
    """A cgroup hierarchy laid out in a folder (v1: a memory and a cpu hierarchy)."""
    if version == "v2":
        (tmp_path / "cgroup.controllers").write_text("cpu memory")
    else:
        for controller in ("memory", "cpu"):
            (tmp_path / controller).mkdir()
    cgroup = RuntimeCgroup("boosted", root=tmp_path)
    cgroup.create(memory_mb=256, cpus=0.5)
    folder = tmp_path / ("" if version == "v2" else "cpu") / "autostack-run-boosted"
    weight, default = ("cpu.weight", "100") if version == "v2" else ("cpu.shares", "1024")
    limit = "cpu.max" if version == "v2" else "cpu.cfs_quota_us"
    quota = (folder / limit).read_text()
    cgroup.boost(starting=True)
    assert int((folder / weight).read_text()) == 8 * int(default)
    cgroup.boost(starting=False)
    assert (folder / weight).read_text() == default
    assert (folder / limit).read_text() == quota


def test_log_files_rotate_by_size(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path, "server-0", max_bytes=500, keep=2)
    for number in range(50):
        writer.write("stdout", f"line {number}")
    writer.close()
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["server-0.log", "server-0.log.1", "server-0.log.2"]
    lines = [record["line"] for record in read_logs(tmp_path)]
    assert lines[-1] == "line 49" and "line 0" not in lines


async def test_following_goes_on_where_the_read_ended(tmp_path: Path) -> None:
    """``logs(follow=True)`` reads the files, then follows them: a line written between the
    two was lost (the follow started at the files' sizes then), and a follower waiting for
    a request's line waited for ever (the conformance suite's log test, on a loaded
    machine). A line still being written when the read happens comes once, complete."""
    writer = LogWriter(tmp_path, "server-0")
    writer.write("stdout", "before the read")
    with (tmp_path / "server-0.log").open("ab") as partial:
        partial.write(b'{"timestamp": "2026-01-01T00:00:00+00:00", "line": "half')
    read_up_to: dict[Path, int] = {}
    assert [r["line"] for r in read_logs(tmp_path, 0, read_up_to)] == ["before the read"]
    with (tmp_path / "server-0.log").open("ab") as partial:
        partial.write(b' written"}\n')
    writer.write("stdout", "between the read and the follow")
    new_source = LogWriter(tmp_path, "server-1")
    new_source.write("stdout", "a new source's first line")
    new_source.close()
    followed = follow_logs(tmp_path, read_up_to)
    seen = [(await asyncio.wait_for(anext(followed), 10))["line"] for _ in range(3)]
    assert sorted(seen) == ["a new source's first line", "between the read and the follow",
                            "half written"]
    writer.write("stdout", "after")
    assert (await asyncio.wait_for(anext(followed), 10))["line"] == "after"
    await followed.aclose()
    writer.close()
