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
on ``$PORT``" is still a refused connection for the supervisor; it binds the
port from the start, though, so nothing else on the host can take it. One
thread enters the namespace for good: it learns that the app listens by
trying to connect every millisecond (a refused connection on the loopback
costs a few microseconds and needs no parsing of ``/proc/net/tcp``; the app
sees one empty connection, as it does from the supervisor's own probe on
the host network), then accepts on the host's port and creates each
connection's socket inside, so no thread has to enter the namespace per
connection. A cold start used to lose 5-10 ms here (a 5 ms poll of
``/proc``, then a thread per connection entering the namespace).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import threading
import time
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
CHUNK = 1 << 16
PROBE_SECONDS = 0.001
THREAD_NETNS = "/proc/thread-self/ns/net"
LOOPBACKS = ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))

_libc = ctypes.CDLL(None, use_errno=True)


def listening_inside(port: int) -> tuple[int, str] | None:
    """The loopback (family, address) where ``port`` accepts connections in this thread's namespace.

    A bare connection, closed at once: what the supervisor's probe does to an
    app on the host network.
    """
    for family, address in LOOPBACKS:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.connect((address, port))
        except OSError:
            continue
        return family, address
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

    def __init__(self, netns: int, port: int) -> None:
        self.netns = netns
        self.port = port
        # Bound now (the port stays ours), listening only once the app does.
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))

    def wait_and_serve(self, alive: threading.Event) -> None:
        """Wait until the app listens inside (while ``alive``), then serve forever.

        Runs in a thread of its own, which enters the app's namespace for good.
        """
        with self.listener:
            try:
                enter_namespace(self.netns)
            except OSError:
                return
            inside = listening_inside(self.port)
            while inside is None:
                if not alive.is_set():
                    return
                time.sleep(PROBE_SECONDS)
                inside = listening_inside(self.port)
            family, address = inside
            self.listener.listen(1024)
            while True:
                client, _ = self.listener.accept()
                try:
                    upstream = socket.socket(family, socket.SOCK_STREAM)  # inside, like this thread
                except OSError:
                    client.close()
                    continue
                threading.Thread(target=self._relay, args=(client, upstream, address),
                                 daemon=True).start()

    def _relay(self, client: socket.socket, upstream: socket.socket, address: str) -> None:
        with client, upstream:
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
