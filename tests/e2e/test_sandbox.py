"""The build sandbox with the real bubblewrap: isolation, limits, cancel, masking."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from autostack_core.build.sandbox import (
    Limits,
    Sandbox,
    SandboxOutOfMemory,
    SandboxTimeout,
    SandboxUnavailable,
    mask,
)
from autostack_core.build.sandbox_cgroups import kill_leftovers
from autostack_core.build.sandbox_layout import SYSTEM_CA_BUNDLE, private_system_files
from tests.eventually import eventually

needs_cgroups = pytest.mark.skipif(
    not Path("/sys/fs/cgroup/memory").is_dir()
    and not Path("/sys/fs/cgroup/cgroup.controllers").exists(),
    reason="no cgroup memory controller",
)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.dbless,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed"),
]


class Lines:
    """Collects what the sandbox streams."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    async def __call__(self, stream: str, line: str) -> None:
        self.items.append((stream, line))

    def text(self, stream: str | None = None) -> str:
        return "\n".join(line for name, line in self.items if stream in (None, name))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A platform data directory with a key, a database and two projects' workspaces."""
    data = tmp_path / "data"
    (data / "builds" / "mine").mkdir(parents=True)
    (data / "builds" / "other").mkdir(parents=True)
    (data / "builds" / "other" / "private.txt").write_text("other project's source")
    (data / "cache" / "mine").mkdir(parents=True)
    (data / "secret.key").write_text("top-secret-key")
    (data / "autostack.db").write_text("database")
    return data


def make_sandbox(data_dir: Path, **overrides: object) -> Sandbox:
    options: dict[str, object] = {
        "workspace": data_dir / "builds" / "mine",
        "cache_dir": data_dir / "cache" / "mine",
        "limits": Limits(wall_seconds=60, cpu_seconds=60, memory_mb=256),
        "env": {},
        "allow_unsandboxed": False,
    } | overrides
    return Sandbox(**options)  # type: ignore[arg-type]


def processes_matching(marker: str) -> list[str]:
    result = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if marker in line and "ps -eo" not in line]


async def test_streams_stdout_and_stderr_lines_and_returns_the_exit_code(data_dir: Path) -> None:
    lines = Lines()
    code = await make_sandbox(data_dir).run("echo one; echo two >&2; echo three; exit 3", lines)
    assert code == 3
    assert ("stdout", "one") in lines.items
    assert ("stderr", "two") in lines.items
    assert lines.text("stdout") == "one\nthree"


@pytest.mark.skipif(not SYSTEM_CA_BUNDLE.is_file(), reason="no system certificate bundle")
async def test_node_is_told_the_system_certificate_authorities(data_dir: Path) -> None:
    """An official Node.js binary trusts the authorities the system trusts (a registry
    mirror's or a proxy's), as Debian's node and the other tools already do."""
    lines = Lines()
    code = await make_sandbox(data_dir).run(
        'test -r "$NODE_EXTRA_CA_CERTS" && echo "$NODE_EXTRA_CA_CERTS"', lines)
    assert code == 0, lines.text()
    assert lines.text("stdout") == str(SYSTEM_CA_BUNDLE)


async def test_workspace_and_cache_are_writable_and_persist(data_dir: Path) -> None:
    lines = Lines()
    sandbox = make_sandbox(data_dir)
    code = await sandbox.run(
        "pwd; echo built > dist.txt; echo $HOME; echo cached > $HOME/npm/entry", lines
    )
    assert code == 0
    assert lines.text() == "/workspace\n/cache"
    assert (data_dir / "builds" / "mine" / "dist.txt").read_text() == "built\n"
    assert (data_dir / "cache" / "mine" / "npm" / "entry").read_text() == "cached\n"


async def test_runs_in_a_subdirectory_of_the_workspace(data_dir: Path) -> None:
    lines = Lines()
    assert await make_sandbox(data_dir).run("pwd", lines, cwd="apps/web") == 0
    assert lines.text() == "/workspace/apps/web"


async def test_the_data_directory_and_other_projects_are_invisible(data_dir: Path) -> None:
    sandbox = make_sandbox(data_dir)
    for command in (
        f"cat {data_dir}/secret.key",
        f"cat {data_dir}/autostack.db",
        f"ls {data_dir}/builds/other",
        f"cat {data_dir}/builds/other/private.txt",
        "ls /workspace/../builds/other",
    ):
        lines = Lines()
        assert await sandbox.run(command, lines) != 0, command
        assert "No such file or directory" in lines.text("stderr"), command
        assert "top-secret-key" not in lines.text()


async def test_what_etc_keeps_from_others_is_hidden(data_dir: Path) -> None:
    """Builds run as root in their namespaces: file modes alone would let them read these."""
    hidden = [path for path, is_dir in private_system_files() if not is_dir]
    shadow = [f"/etc/{name}" for name in ("shadow", "shadow-", "gshadow", "gshadow-")
              if Path(f"/etc/{name}").exists()]
    assert set(shadow) <= set(hidden)
    for path in hidden:
        lines = Lines()
        await make_sandbox(data_dir).run(f"wc -c < {path}", lines)
        assert lines.text("stdout") in ("", "0"), (path, lines.text())


def test_private_system_files_are_the_ones_others_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "ssl" / "private").mkdir(parents=True)
    (tmp_path / "ssl" / "private" / "server.key").write_text("key")
    (tmp_path / "ssl" / "private").chmod(0o700)
    (tmp_path / "ssl" / "openssl.cnf").write_text("public")
    (tmp_path / "redis.conf").write_text("requirepass hunter2")
    (tmp_path / "redis.conf").chmod(0o640)
    (tmp_path / "shadow-").write_text("root:$6$...")
    (tmp_path / "shadow-").chmod(0o644)
    assert private_system_files(tmp_path) == [
        (str(tmp_path / "redis.conf"), False), (str(tmp_path / "shadow-"), False),
        (str(tmp_path / "ssl" / "private"), True),
    ]


async def test_the_system_is_read_only(data_dir: Path) -> None:
    lines = Lines()
    assert await make_sandbox(data_dir).run("touch /usr/evil", lines) != 0
    assert "Read-only file system" in lines.text("stderr")
    assert not Path("/usr/evil").exists()


async def test_only_the_given_environment_is_visible(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOSTACK_SECRET_KEY", "host-secret")
    lines = Lines()
    sandbox = make_sandbox(data_dir, env={"NODE_ENV": "production"})
    assert await sandbox.run("env", lines) == 0
    env = dict(line.split("=", 1) for line in lines.text().splitlines())
    assert "AUTOSTACK_SECRET_KEY" not in env
    assert env["NODE_ENV"] == "production"
    assert env["CI"] == "1"
    assert env["HOME"] == "/cache"
    assert env["npm_config_cache"] == "/cache/npm"
    assert env["PIP_CACHE_DIR"] == "/cache/pip"


async def test_host_processes_are_invisible(data_dir: Path) -> None:
    lines = Lines()
    assert await make_sandbox(data_dir).run("ls /proc | grep -c '^[0-9]'", lines) == 0
    assert int(lines.text()) < 10


async def test_node_from_the_system_runs(data_dir: Path) -> None:
    lines = Lines()
    assert await make_sandbox(data_dir).run("node -e 'console.log(6*7)'", lines) == 0
    assert lines.text() == "42"


async def test_secret_values_are_masked_in_the_log(data_dir: Path) -> None:
    lines = Lines()
    sandbox = make_sandbox(
        data_dir, env={"API_TOKEN": "tok-12345"}, secret_values=["tok-12345", "ab"]
    )
    assert await sandbox.run('echo "token is $API_TOKEN"; echo ab >&2', lines) == 0
    assert lines.items == [("stdout", "token is ***"), ("stderr", "ab")]


def test_mask_replaces_longer_secrets_first_and_ignores_short_ones() -> None:
    assert mask("key=abcdef and abc", ["abc", "abcdef", "x"]) == "key=*** and ***"
    assert mask("x marks", ["x"]) == "x marks"


async def test_wall_time_limit_kills_the_whole_process_group(data_dir: Path) -> None:
    marker = f"sleep 31{uuid.uuid4().int % 1000:03d}"
    sandbox = make_sandbox(data_dir, limits=Limits(wall_seconds=1, memory_mb=256))
    # The sleeps would last ~3 h: the run ending at all, with the limit's own message,
    # and both sleeps gone show the limit killed them rather than waiting for them.
    with pytest.raises(SandboxTimeout, match=r"timed out after 1 s \(0\.0 min\); "
                       "every process of the build was killed"):
        await sandbox.run(f"({marker} &) ; {marker}", Lines())
    await eventually(lambda: processes_matching(marker) == [], f"every {marker} gone")


async def test_wall_time_is_one_budget_for_every_run(data_dir: Path) -> None:
    sandbox = make_sandbox(data_dir, limits=Limits(wall_seconds=1.5, memory_mb=None))
    assert await sandbox.run("sleep 1", Lines()) == 0
    with pytest.raises(SandboxTimeout):
        await sandbox.run("sleep 1", Lines())


async def test_kill_cancels_a_running_build_and_its_children(data_dir: Path) -> None:
    marker = f"sleep 32{uuid.uuid4().int % 1000:03d}"
    sandbox = make_sandbox(data_dir)
    lines = Lines()
    run = asyncio.create_task(sandbox.run(f"echo started; ({marker} &); {marker}", lines))
    while not lines.items:
        await asyncio.sleep(0.02)
    assert processes_matching(marker)
    await sandbox.kill()
    # A generous deadline to stop waiting; the sleeps would last ~3 h on their own.
    code = await asyncio.wait_for(run, 30)
    assert code in (-9, 137), f"the run ends by SIGKILL, not on its own (exit {code})"
    await eventually(lambda: processes_matching(marker) == [], f"every {marker} gone")


@needs_cgroups
async def test_leftovers_of_a_lost_deployment_are_killed_and_no_others(data_dir: Path) -> None:
    """What recovery does after a worker died: kill by the deployment's cgroups."""
    marker = f"sleep 34{uuid.uuid4().int % 1000:03d}"
    # Owners of this process alone: kill_leftovers kills by cgroup name on the whole machine.
    lost_owner, other_owner = f"lost{os.getpid()}", f"other{os.getpid()}"
    lost = make_sandbox(data_dir, owner=lost_owner)
    other = make_sandbox(data_dir, owner=other_owner)
    lost_lines, other_lines = Lines(), Lines()
    lost_run = asyncio.create_task(lost.run(f"echo started; {marker}", lost_lines))
    other_run = asyncio.create_task(other.run(f"echo started; {marker}", other_lines))
    while not (lost_lines.items and other_lines.items):
        await asyncio.sleep(0.02)
    assert len(processes_matching(f"/bin/sh -c echo started; {marker}")) == 2
    assert await kill_leftovers(lost_owner) >= 1
    assert await asyncio.wait_for(lost_run, 10) != 0
    assert not other_run.done() and len(processes_matching(f"-c echo started; {marker}")) == 1
    await other.kill()
    await asyncio.wait_for(other_run, 10)
    with pytest.raises(ValueError):
        await kill_leftovers("../memory")


async def test_background_processes_do_not_outlive_the_command(data_dir: Path) -> None:
    marker = f"sleep 33{uuid.uuid4().int % 1000:03d}"
    assert await make_sandbox(data_dir).run(f"{marker} > /dev/null 2>&1 &", Lines()) == 0
    await eventually(lambda: processes_matching(marker) == [], f"every {marker} gone")


@needs_cgroups
async def test_memory_limit_reports_out_of_memory(data_dir: Path) -> None:
    sandbox = make_sandbox(data_dir, limits=Limits(wall_seconds=60, memory_mb=64))
    hog = "node -e 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))'"
    with pytest.raises(SandboxOutOfMemory, match=r"out of memory \(limit 64 MB\)"):
        await sandbox.run(hog, Lines())
    assert await sandbox.run("echo still usable", Lines()) == 0


async def test_cpu_time_limit_stops_a_busy_loop(data_dir: Path) -> None:
    """The loop never ends on its own; returning a code rather than raising
    SandboxTimeout means the CPU limit, not the 30 s wall-time limit, stopped it,
    and the code is the kernel's RLIMIT_CPU kill (SIGKILL once soft = hard limit)."""
    sandbox = make_sandbox(data_dir, limits=Limits(wall_seconds=30, cpu_seconds=1))
    code = await sandbox.run("while :; do :; done", Lines())
    assert code == 137, f"killed by the CPU limit (exit {code})"


async def test_without_bubblewrap_builds_refuse_to_run(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(SandboxUnavailable) as error:
        await make_sandbox(data_dir).run("echo hi", Lines())
    assert "AUTOSTACK_ALLOW_UNSANDBOXED=1" in str(error.value)
    assert "autostack doctor" in str(error.value)


async def test_without_bubblewrap_allow_unsandboxed_runs_plain(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    lines = Lines()
    sandbox = make_sandbox(data_dir, allow_unsandboxed=True)
    assert not sandbox.sandboxed
    assert await sandbox.run("pwd; echo $HOME; echo x > out.txt", lines) == 0
    workspace = (data_dir / "builds" / "mine").resolve()
    assert lines.text() == f"{workspace}\n{(data_dir / 'cache' / 'mine').resolve()}"
    assert (workspace / "out.txt").exists()


async def test_a_working_directory_outside_the_workspace_is_refused(data_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.\.'"):
        await make_sandbox(data_dir).run("pwd", Lines(), cwd="../other")


async def test_a_build_cannot_reach_services_on_the_hosts_loopback(data_dir: Path) -> None:
    """The database, Redis and the control plane listen on 127.0.0.1: a build must not get there."""
    server = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    probe = (f"/usr/bin/python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}),"
             " 2); print('reached the host')\"")
    try:
        lines = Lines()
        sandbox = make_sandbox(data_dir)
        assert sandbox.network_isolated
        code = await sandbox.run(probe, lines)
    finally:
        server.close()
        await server.wait_closed()
    assert code != 0
    assert "reached the host" not in lines.text()
    assert "ConnectionRefusedError" in lines.text()
