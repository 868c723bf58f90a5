"""A real build for builder tests: a workspace, an output folder and a sandboxed ``run``."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from autostack_core.build.sandbox import Limits, Sandbox
from autostack_core.interfaces import BuildContext, Builder, Detection
from tests.conftest import free_port


class Build:
    """Runs one builder on files written by the test, commands in the real sandbox."""

    def __init__(self, root: Path, cache: Path | None = None) -> None:
        self.workspace = root / "workspace"
        self.output = root / "output"
        self.cache = cache or root / "cache"
        for folder in (self.workspace, self.output, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        self.log: list[str] = []
        self.commands: list[tuple[str, str]] = []

    def write(self, files: dict[str, str]) -> None:
        for relative, text in files.items():
            path = self.workspace / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    async def run(self, builder: Builder, detection: Detection, wall_seconds: float = 120) -> None:
        sandbox = Sandbox(self.workspace, self.cache, Limits(wall_seconds=wall_seconds), {}, False)

        async def on_line(stream: str, line: str) -> None:
            self.log.append(line)

        async def run(command: str, step: str) -> int:
            self.commands.append((step, command))
            return await sandbox.run(command, on_line)

        async def log(line: str) -> None:
            self.log.append(line)

        context = BuildContext(
            workspace=self.workspace, output_dir=self.output, cache_dir=self.cache,
            detection=detection, env={}, run=run, log=log, project_name="app",
        )
        try:
            await builder.build(context)
        except Exception:
            print("\n".join(self.log[-80:]))  # shown by pytest with the failure
            raise

    def json(self, relative: str) -> Any:
        return json.loads((self.output / relative).read_text())

    def files(self, folder: str) -> list[str]:
        base = self.output / folder
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())

    @contextmanager
    def serve(self, timeout: float = 30, read_only: bool = False) -> Iterator[str]:
        """Start ``server.json``'s command by hand in ``server/`` with PORT; yield its URL.

        With ``read_only`` the folder is mounted read-only at ``/app`` by bubblewrap,
        as at run time, with a private ``/tmp``.
        """
        server = self.json("server.json")
        port = free_port()
        log = self.output.parent / "server.log"
        env = {"PATH": os.environ["PATH"], "PORT": str(port), "HOME": "/tmp"}
        folder = self.output / server["directory"]
        argv = ["/bin/sh", "-c", server["command"]]
        if read_only:
            argv = ["bwrap", *system_binds(), "--dev", "/dev", "--proc", "/proc",
                    "--tmpfs", "/tmp", "--ro-bind", str(folder), "/app", "--chdir", "/app",
                    "--die-with-parent", *argv]
        with log.open("wb") as out:
            process = subprocess.Popen(argv, cwd=folder, env=env,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"server exited:\n{log.read_text()}")
                try:
                    httpx.get(url + server["health_path"], timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"no answer:\n{log.read_text()}") from None
                    time.sleep(0.1)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)


def system_binds() -> list[str]:
    """bubblewrap arguments for a read-only system: /usr, /etc and the /bin, /lib links."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "lib", "lib64", "sbin"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    return args
