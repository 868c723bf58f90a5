"""The way in to an app in its own network namespace: a relay run by the app's shim.

The app listens on ``127.0.0.1:$PORT`` inside its namespace, as it did on the
host before apps got one (the builders and every framework's default expect
the loopback). The shim listens on the host's ``127.0.0.1:$PORT`` (the port
the supervisor chose, so the edge, the health check and the waker do not
change) and opens, for each connection, a socket *inside* the app's
namespace: a thread that has entered the namespace with ``setns(2)`` creates
it, and a socket stays in the namespace it was created in. Bytes are moved
with ``splice(2)``, so they are not copied through Python.

Why a relay and not slirp4netns' own port forwarding: slirp4netns forwards
to the namespace's ``tap0`` address, so an app listening on ``127.0.0.1``
(what the builders make apps do) would never get a connection; and why not a
veth pair: the host would route between the app and its own services (any
listening on ``0.0.0.0``), which only firewall rules on the host could stop.
Measured on this machine (Node hello-world, ``wrk -t2 -c50``): the app
directly 29-34k requests/s, through the relay 13-20k, through slirp4netns'
forwarding 24-26k; the edge in front tops out at 1.3-4.2k requests/s with or
without the relay (``bench/README.md``, "App isolation").

The host side listens only once the app listens inside, so "never listened
on ``$PORT``" is still a refused connection for the supervisor.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

CLONE_NEWNET = 0x40000000
CHUNK = 1 << 16
LISTEN_STATE = "0A"
POLL_SECONDS = 0.005
THREAD_NETNS = "/proc/thread-self/ns/net"

_libc = ctypes.CDLL(None, use_errno=True)


def listening_inside(pid: int, port: int) -> str | None:
    """The loopback address to reach ``port`` in ``pid``'s namespace, if it listens there."""
    for table, address in (("tcp", "127.0.0.1"), ("tcp6", "::1")):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN_STATE and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return address
    return None


def enter_namespace(netns: int) -> None:
    """Move the calling thread into the network namespace ``netns`` (an open file)."""
    if _libc.setns(netns, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


@contextlib.contextmanager
def entered(netns: int) -> Iterator[None]:
    """The calling thread in the network namespace ``netns`` meanwhile, then back in its own.

    What the thread starts meanwhile (a child process, a socket) stays in ``netns``.
    """
    own = os.open(THREAD_NETNS, os.O_RDONLY | os.O_CLOEXEC)
    try:
        enter_namespace(netns)
        try:
            yield
        finally:
            enter_namespace(own)
    finally:
        os.close(own)


def new_namespace() -> int:
    """A new, empty network namespace (an open file); the calling thread stays in its own."""
    own = os.open(THREAD_NETNS, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.unshare(CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"unshare: {os.strerror(error)}")
        try:
            return os.open(THREAD_NETNS, os.O_RDONLY | os.O_CLOEXEC)
        finally:
            enter_namespace(own)
    finally:
        os.close(own)


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Move bytes from ``source`` to ``target`` until end of file, then pass the end on."""
    read, write = os.pipe()
    try:
        while moved := os.splice(source.fileno(), write, CHUNK):
            while moved:
                moved -= os.splice(read, target.fileno(), moved)
    except OSError:
        pass
    finally:
        os.close(read)
        os.close(write)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


class Relay:
    """Accepts on the host's ``127.0.0.1:port``; connects each client to the app inside."""

    def __init__(self, netns: int, pid: int, port: int) -> None:
        self.netns = netns
        self.pid = pid
        self.port = port

    def wait_and_serve(self, alive: threading.Event) -> None:
        """Wait until the app listens inside (while ``alive``), then serve forever."""
        address = listening_inside(self.pid, self.port)
        while address is None:
            if not alive.is_set():
                return
            time.sleep(POLL_SECONDS)
            address = listening_inside(self.pid, self.port)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.create_server(("127.0.0.1", self.port), backlog=1024) as listener:
            while True:
                client, _ = listener.accept()
                threading.Thread(target=self._connect, args=(client, family, address),
                                 daemon=True).start()

    def _connect(self, client: socket.socket, family: int, address: str) -> None:
        """Runs in its own thread, which enters the namespace for good (it only relays)."""
        with client:
            try:
                enter_namespace(self.netns)
                upstream = socket.socket(family, socket.SOCK_STREAM)
            except OSError:
                return
            with upstream:
                try:
                    upstream.connect((address, self.port))
                except OSError:
                    return
                for sock in (client, upstream):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
                back.start()
                _pump(client, upstream)
                back.join()
