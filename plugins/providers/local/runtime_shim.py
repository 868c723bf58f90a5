"""The shim of one replica: the parent of its sandbox, outliving the control plane.

``python -m autostack_plugins.providers.local.runtime_shim --logs DIR --source NAME
[--procs FILE]... -- ARGV``

The supervisor starts one shim per replica in a new session. The shim joins
the deployment's cgroups (every ``--procs`` file), starts ``ARGV`` (bubblewrap
with ``--die-with-parent``), writes its stdout and stderr as timestamped lines
to ``DIR/NAME.log`` (:class:`autostack_plugins.providers.local.runtime_logs.LogWriter`), and exits
with the app's exit code. Because the shim, not the control plane, is the
sandbox's parent, killing ``autostack up`` leaves the app serving, while
killing the shim takes its sandbox down with it.

On SIGTERM or SIGINT the shim passes SIGTERM to every process inside the
sandbox (not to bubblewrap, whose death would SIGKILL the app) so in-flight
requests can finish; the supervisor sends SIGKILL to the group after a grace
period.

With ``--private-network PORT`` (when :mod:`autostack_plugins.providers.local.run_sandbox`
gives the app a network namespace) the shim binds the host's
``127.0.0.1:PORT``, makes that namespace and starts its way out
(:func:`autostack_core.build.sandbox_network.start_outbound`, a slirp4netns that
ends with the shim) while it waits to join the deployment's cgroups (the
first move into a cgroup waits for an RCU grace period, 5-20 ms measured
here), moves slirp4netns into them too, starts bubblewrap inside the
namespace, holds the app until the namespace is configured (by then it
mostly is), then relays the host's port to the app's own
(:mod:`autostack_plugins.providers.local.netns_relay`). Each ``--service-port``
(a linked database's) is reachable from inside the namespace
(:mod:`autostack_plugins.providers.local.service_bridge`).

``python -m autostack_plugins.providers.local.runtime_shim --spare`` is a shim
started ahead of need (:func:`await_job`): its interpreter has started and
imported all of the above, which took most of a cold start's time (100-300
ms here, more than the app's own start), and it waits for the arguments of
the replica it will be. ``--spare --private-network`` (a control plane whose
replicas get a network of their own) also makes the next replica's namespace
and has slirp4netns configure it (:class:`Outbound`, 40-70 ms here), so a
wake starts bubblewrap in it at once; a replica on the host's network closes it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO

from autostack_core.build.sandbox_network import (
    NetworkSetupError,
    read_json_object,
    resolv_conf_fd,
    slirp4netns,
    start_outbound,
    wait_configured,
)
from autostack_plugins.providers.local.netns_relay import Relay, entered, new_namespace
from autostack_plugins.providers.local.runtime_logs import LogWriter
from autostack_plugins.providers.local.service_bridge import open_service_ports

MAX_LINE_BYTES = 64 * 1024
CONFIGURE_SECONDS = 10.0
READY = b"ready\n"
"""What a spare shim writes on its stdout once its modules are imported."""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first found, then theirs)."""
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            with contextlib.suppress(OSError, ValueError):
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
                for child in map(int, children):
                    found.append(child)
                    queue.append(child)
    return found


def join_cgroups(files: list[str], pids: list[int], log: LogWriter, lock: threading.Lock) -> None:
    """Move ``pids`` into the deployment's cgroups (each ``cgroup.procs`` file)."""
    for procs in files:
        for pid in pids:
            try:
                Path(procs).write_text(str(pid))
            except OSError as error:
                with lock:
                    log.write("system", f"cannot join cgroup {procs}: {error}")


def pump(stream: IO[bytes], name: str, log: LogWriter, lock: threading.Lock) -> None:
    for raw in iter(lambda: stream.readline(MAX_LINE_BYTES), b""):
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        with lock:
            log.write(name, line)


def sandbox_root(info: int, process: subprocess.Popen[bytes]) -> int:
    """The pid under which the app runs: bwrap's child (from ``--info-fd``), else the process."""
    try:
        return int(str(read_json_object(info)["child-pid"]))
    except (NetworkSetupError, ValueError, KeyError):
        return process.pid
    finally:
        os.close(info)


class Outbound:
    """A network namespace that slirp4netns gives the internet (not the host's loopback).

    Made by a spare shim ahead of need (``--spare --private-network``), so a
    wake neither makes the namespace nor waits for slirp4netns to configure
    it; made by the shim itself otherwise, side by side with bubblewrap's
    start. slirp4netns ends when the shim does.
    """

    def __init__(self) -> None:
        binary = slirp4netns()
        if binary is None:
            raise NetworkSetupError("slirp4netns is not installed")
        self.netns = new_namespace()
        exit_read, self.exit_write = os.pipe()  # slirp4netns ends when the shim does
        self.slirp = start_outbound(binary, self.netns, exit_read)
        os.close(exit_read)

    def wait_configured(self) -> None:
        """Wait until slirp4netns has given the namespace its route out through ``tap0``."""
        deadline = time.monotonic() + CONFIGURE_SECONDS
        while not self._configured():
            if self.slirp.poll() is not None:
                raise NetworkSetupError(f"slirp4netns exited with code {self.slirp.returncode} "
                                        "before configuring the app's network")
            if time.monotonic() > deadline:
                raise NetworkSetupError("slirp4netns did not configure the app's network")
            time.sleep(0.001)

    def _configured(self) -> bool:
        with entered(self.netns):
            table = Path("/proc/thread-self/net/route").read_text().splitlines()[1:]
        return any(line.split()[:2] == ["tap0", "00000000"] for line in table)

    def close(self) -> None:
        """End slirp4netns and let the namespace go (a spare given a job without one)."""
        os.close(self.exit_write)
        os.close(self.netns)
        self.slirp.wait()


def prepared_outbound() -> Outbound | None:
    """A spare's namespace, configured, or None when it cannot be made (the shim then
    tries again itself, and says why if it fails)."""
    try:
        outbound = Outbound()
    except (NetworkSetupError, OSError):
        return None
    try:
        outbound.wait_configured()
    except NetworkSetupError:
        outbound.close()
        return None
    return outbound


class PrivateNetwork:
    """The app's own network namespace: outbound through slirp4netns, inbound by the relay.

    The shim makes the namespace and starts slirp4netns on it before it starts
    bubblewrap inside it, so the two start side by side; bubblewrap holds the
    app (``--block-fd``) only until the namespace is configured. A spare shim
    has it made and configured already (``prepared``): nothing is held.
    Failing to make the namespace stops the shim before anything runs: the app
    never starts on the host's network.
    """

    def __init__(self, port: int, service_ports: list[int],
                 prepared: Outbound | None = None) -> None:
        self.service_ports = service_ports
        self.outbound = prepared or Outbound()
        self.netns, self.slirp = self.outbound.netns, self.outbound.slirp
        self.relay = Relay(self.netns, port)  # binds the host's port: taken, nothing starts
        self.block = None if prepared else os.pipe()
        self.resolv = resolv_conf_fd()
        self.alive = threading.Event()
        self.alive.set()

    def bwrap_args(self) -> list[str]:
        held = ["--block-fd", str(self.block[0])] if self.block else []
        return [*held, "--ro-bind-data", str(self.resolv), "/etc/resolv.conf"]

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self.block[0], self.resolv) if self.block else (self.resolv,)

    def attach(self, root: int) -> None:
        """Let the held sandbox go once its network is configured, and start relaying."""
        os.close(self.resolv)
        if self.block is not None:
            block_read, block_write = self.block
            os.close(block_read)
            wait_configured(root, self.slirp)
        open_service_ports(self.netns, self.service_ports)
        if self.block is not None:
            os.write(block_write, b"1")
            os.close(block_write)
        threading.Thread(target=self.relay.wait_and_serve, args=(self.alive,),
                         daemon=True).start()


def main(argv: list[str] | None = None, prepared: Outbound | None = None) -> int:
    """Run the replica; ``prepared``: a spare's network namespace, used if the replica wants one."""
    parser = argparse.ArgumentParser(prog="autostack-runtime-shim")
    parser.add_argument("--logs", required=True, type=Path)
    parser.add_argument("--source", required=True)
    parser.add_argument("--procs", action="append", default=[])
    parser.add_argument("--private-network", type=int, metavar="PORT")
    parser.add_argument("--service-port", type=int, action="append", default=[],
                        help="a linked database's port, reachable from the app's network")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    log = LogWriter(args.logs, args.source)
    lock = threading.Lock()
    # Joining waits for an RCU grace period (5-20 ms, measured) before the first
    # move: the app's network is made meanwhile, and slirp4netns joins after.
    joining = threading.Thread(target=join_cgroups, args=(args.procs, [os.getpid()], log, lock))
    joining.start()
    bwrap = os.path.basename(command[0]) == "bwrap" if command else False
    network, failure = None, None
    if bwrap and args.private_network:
        try:
            network = PrivateNetwork(args.private_network, args.service_port, prepared)
        except (NetworkSetupError, OSError) as error:
            failure = error
    elif prepared is not None:
        prepared.close()
    joining.join()
    if failure is not None:
        log.write("system", f"could not set up the app's network: {failure}")
        log.close()
        return 1
    if network is not None:
        join_cgroups(args.procs, [network.slirp.pid], log, lock)
    read_info, write_info = os.pipe() if bwrap else (-1, -1)
    if bwrap:
        command = [command[0], "--info-fd", str(write_info),
                   *(network.bwrap_args() if network else []), *command[1:]]
    with entered(network.netns) if network else contextlib.nullcontext():
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(write_info, *(network.pass_fds if network else ())) if bwrap else (),
        )
    root = process.pid
    if bwrap:
        os.close(write_info)
        root = sandbox_root(read_info, process)
    if network is not None:
        try:
            network.attach(root)
        except (NetworkSetupError, OSError) as error:
            log.write("system", f"could not set up the app's network: {error}")
            process.kill()

    def terminate(signum: int, frame: FrameType | None) -> None:
        targets = descendants(root) if bwrap else [root]
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    assert process.stdout is not None and process.stderr is not None
    readers = [threading.Thread(target=pump, args=(stream, name, log, lock), daemon=True)
               for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))]
    for reader in readers:
        reader.start()
    code = process.wait()
    if network is not None:
        network.alive.clear()
    for reader in readers:
        reader.join(2)
    with lock:
        log.write("system", f"exited with code {code}")
        log.close()
    return code if code >= 0 else 128 - code


def await_job() -> list[str]:
    """A spare shim's arguments: one JSON line on stdin (``argv``, ``cwd``, ``env``).

    First says on stdout that it is ready (``READY``: its modules are
    imported), so the control plane knows the next start will not wait for
    them. The shim then runs in ``cwd`` with only ``env``, as one started
    with them; stdin and stdout become ``/dev/null``. End of file (the
    control plane went away before it needed this spare) ends the spare.
    """
    with contextlib.suppress(OSError):
        os.write(1, READY)
    line = sys.stdin.buffer.readline()
    if not line:
        raise SystemExit(0)
    job = json.loads(line)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    return [str(arg) for arg in job["argv"]]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--spare"]:
        # ``--spare --private-network``: the replicas of this control plane get a network of
        # their own; make the next one's namespace now.
        spare_network = prepared_outbound() if sys.argv[2:] == ["--private-network"] else None
        sys.exit(main(await_job(), spare_network))
    sys.exit(main())
