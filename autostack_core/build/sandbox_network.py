"""A private network for one sandboxed command: the internet yes, the host's loopback no.

Builds need the package registries, but on the host network they could also
reach everything listening on 127.0.0.1: the database, Redis, the control
plane. With slirp4netns the sandbox gets its own network namespace whose
only way out is a user-mode NAT with ``--disable-host-loopback``.

bubblewrap creates the namespace and waits on ``--block-fd`` before running
the command; this module reads the sandbox's pid from ``--info-fd``, attaches
slirp4netns to it, waits until it is ready, then lets the command go.

Apps get the same way out (:func:`start_outbound`, called by their shim),
with three differences: slirp4netns, which handles the packets of code that
may be hostile, runs in its own sandbox without capabilities and with a
seccomp filter (``--enable-sandbox --enable-seccomp``); it ends with the
shim through ``--exit-fd``, since the shim outlives the control plane; and,
since a cold start waits for it, it starts on a namespace the shim made
before bubblewrap (no loopback to wait for: bubblewrap, not told
``--unshare-net``, leaves ``lo`` to slirp4netns), and the app is let go as
soon as the namespace is configured (:func:`wait_configured`).

Public (:mod:`autostack_core.public`) for runtimes that run apps in bubblewrap,
as the local runtime's shim does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SLIRP_DNS = "10.0.2.3"
READY_TIMEOUT_SECONDS = 10


class NetworkSetupError(Exception):
    """slirp4netns could not give the sandbox its network."""


def slirp4netns() -> str | None:
    return shutil.which("slirp4netns")


def read_json_object(fd: int) -> dict[str, object]:
    data = b""
    while True:
        chunk = os.read(fd, 4096)
        data += chunk
        try:
            value = json.loads(data)
        except ValueError:
            if not chunk:
                raise NetworkSetupError("bubblewrap exited before reporting its pid") from None
            continue
        if isinstance(value, dict):
            return value
        raise NetworkSetupError("bubblewrap reported something else than its pid")


async def _loopback_configured(pid: int) -> None:
    """Wait until bubblewrap has set up ``lo`` in the new namespace.

    bubblewrap configures the loopback interface itself, concurrently with
    reporting its pid; slirp4netns configuring the same namespace at that
    moment makes bubblewrap fail ("Failed RTM_NEWADDR"), so it waits its turn.
    """
    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if _loopback_up(pid):
            return
        await asyncio.sleep(0.001)
    raise NetworkSetupError("the sandbox's loopback interface never came up")


def _loopback_up(pid: int) -> bool:
    try:
        return "127.0.0.1" in Path(f"/proc/{pid}/net/fib_trie").read_text()
    except OSError as error:
        raise NetworkSetupError(f"the sandbox exited while starting: {error}") from error


def slirp_argv(binary: str, target: str, *extra: str) -> list[str]:
    """slirp4netns giving ``target`` (a pid or a namespace path) the internet, not the host."""
    return [binary, "--configure", "--mtu=65520", "--disable-host-loopback", *extra,
            target, "tap0"]


def resolv_conf_fd() -> int:
    """A pipe holding the sandbox's ``resolv.conf`` (for bubblewrap's ``--ro-bind-data``)."""
    read, write = os.pipe()
    os.write(write, f"nameserver {SLIRP_DNS}\n".encode())
    os.close(write)
    return read


def start_outbound(binary: str, netns: int, exit_fd: int) -> subprocess.Popen[bytes]:
    """Start giving an app's network namespace (the open file ``netns``) its way out.

    Returns at once: the app's sandbox starts meanwhile, and waits only for
    :func:`wait_configured`. slirp4netns exits when ``exit_fd`` (the read end
    of a pipe whose write end the caller keeps) closes.
    """
    # A mount namespace of its own, all private: the sandbox of slirp4netns detaches its
    # copy of the host's mounts, which otherwise reaches shared ones (podman's /run/netns).
    unshare = shutil.which("unshare")
    private = [unshare, "--mount", "--propagation", "private"] if unshare else []
    return subprocess.Popen(
        private + slirp_argv(binary, f"/proc/self/fd/{netns}", "--netns-type=path",
                             "--enable-sandbox", "--enable-seccomp", "--exit-fd", str(exit_fd)),
        pass_fds=(netns, exit_fd), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_configured(pid: int, slirp: subprocess.Popen[bytes]) -> None:
    """Wait until ``pid``'s namespace has its loopback and its default route through ``tap0``.

    slirp4netns configures the namespace (``lo`` up, ``tap0`` with its address,
    the route) before it sandboxes itself and starts forwarding; packets sent
    from then on wait in ``tap0``'s queue instead of failing, so the app may
    start: its first connection works, a few milliseconds sooner than with
    ``--ready-fd``.
    """
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not _default_route(pid):
        if slirp.poll() is not None:
            raise NetworkSetupError(f"slirp4netns exited with code {slirp.returncode} "
                                    "before configuring the app's network")
        if time.monotonic() > deadline:
            raise NetworkSetupError("slirp4netns did not configure the app's network")
        time.sleep(0.001)


def _default_route(pid: int) -> bool:
    try:
        table = Path(f"/proc/{pid}/net/route").read_text().splitlines()[1:]
    except OSError as error:
        raise NetworkSetupError(f"the sandbox exited while starting: {error}") from error
    return any(line.split()[:2] == ["tap0", "00000000"] for line in table)


class IsolatedNetwork:
    """The pipes, the resolv.conf and the slirp4netns process of one command."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self._info_read, self._info_write = os.pipe()
        self._block_read, self._block_write = os.pipe()
        self._open_fds = {self._info_read, self._info_write, self._block_read, self._block_write}
        self._scratch = Path(tempfile.mkdtemp(prefix="autostack-net-"))
        self._resolv = self._scratch / "resolv.conf"
        self._resolv.write_text(f"nameserver {SLIRP_DNS}\n")
        self._slirp: subprocess.Popen[bytes] | None = None

    def bwrap_args(self) -> list[str]:
        return ["--unshare-net", "--info-fd", str(self._info_write),
                "--block-fd", str(self._block_read),
                "--ro-bind", str(self._resolv), "/etc/resolv.conf"]

    @property
    def pass_fds(self) -> tuple[int, int]:
        return (self._info_write, self._block_read)

    async def attach(self) -> None:
        """Call once bubblewrap has started: connect its namespace, then unblock it."""
        self._close(self._info_write)
        self._close(self._block_read)
        info = await asyncio.to_thread(read_json_object, self._info_read)
        pid = info.get("child-pid")
        if not isinstance(pid, int):
            raise NetworkSetupError("bubblewrap did not report a child pid")
        await _loopback_configured(pid)
        ready_read, ready_write = os.pipe()
        try:
            self._slirp = subprocess.Popen(
                slirp_argv(self.binary, str(pid), "--ready-fd", str(ready_write)),
                pass_fds=(ready_write,), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            os.close(ready_write)
            ready = await asyncio.wait_for(
                asyncio.to_thread(os.read, ready_read, 1), READY_TIMEOUT_SECONDS)
        finally:
            os.close(ready_read)
        if ready != b"1":
            raise NetworkSetupError("slirp4netns could not configure the sandbox's network")
        os.write(self._block_write, b"1")

    def _close(self, fd: int) -> None:
        """Close ``fd`` once: a second close could hit a number reused by someone else."""
        if fd in self._open_fds:
            self._open_fds.discard(fd)
            os.close(fd)

    def close(self) -> None:
        if self._slirp is not None:
            self._slirp.terminate()
            try:
                self._slirp.wait(5)
            except subprocess.TimeoutExpired:
                self._slirp.kill()
                self._slirp.wait()
            if self._slirp.stderr is not None:
                self._slirp.stderr.close()
        for fd in list(self._open_fds):
            self._close(fd)
        shutil.rmtree(self._scratch, ignore_errors=True)
