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
directly 29-34k requests/s, through the first relay (a thread per
connection) 13-20k, through slirp4netns' forwarding 24-26k; the edge in
front tops out at 1.3-4.2k requests/s with or without the relay.

The host side listens only once the app listens inside, so "never listened
on ``$PORT``" is still a refused connection for the supervisor; it binds the
port from the start, though, so nothing else on the host can take it.

One thread does it all, and enters the namespace for good: it learns that
the app listens by trying to connect every millisecond (a refused
connection on the loopback costs microseconds and no parsing of
``/proc/net/tcp``; the app sees one empty connection, as it does from the
supervisor's own probe on the host network), then accepts on the host's
port, creates each connection's socket inside and moves the bytes of every
connection in one ``epoll`` loop, with ``splice`` that never blocks. No
thread is started per connection: a cold start's first connections (the
supervisor's probe and health check, then the waker's) each waited for two
new threads, and on two shared CPUs that took 3-8 ms. The throughput of
the relay doubled (``bench/README.md``, "App isolation").
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import selectors
import socket
import threading
import time
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
CHUNK = 1 << 16
PROBE_SECONDS = 0.001
ROUNDS_PER_EVENT = 16
ACCEPT_BACKOFF_SECONDS = 0.05
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


class _Flow:
    """One direction of a relayed connection: ``source`` to ``target`` through a pipe.

    Never blocks: :meth:`move` goes as far as both sockets allow, and
    :meth:`interest` says which event lets it go further.
    """

    def __init__(self, source: socket.socket, target: socket.socket) -> None:
        self.source, self.target = source, target
        self.read, self.write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.buffered = 0  # bytes in the pipe, not yet written to target
        self.ended = False  # source said end of file, and target was told

    def move(self) -> None:
        """Raises :class:`OSError` (not a would-block one) when the connection broke."""
        for _ in range(ROUNDS_PER_EVENT):  # then the other connections get their turn
            if self.ended:
                return
            if not self.buffered:
                try:
                    self.buffered = os.splice(self.source.fileno(), self.write, CHUNK,
                                              flags=os.SPLICE_F_NONBLOCK)
                except BlockingIOError:
                    return
                if not self.buffered:
                    self.ended = True
                    self.target.shutdown(socket.SHUT_WR)
                    return
            while self.buffered:
                try:
                    self.buffered -= os.splice(self.read, self.target.fileno(), self.buffered,
                                               flags=os.SPLICE_F_NONBLOCK)
                except BlockingIOError:
                    return

    def interest(self, sock: socket.socket) -> int:
        """The events of ``sock`` this flow waits for."""
        if self.ended:
            return 0
        if self.buffered:
            return selectors.EVENT_WRITE if sock is self.target else 0
        return selectors.EVENT_READ if sock is self.source else 0

    def close(self) -> None:
        os.close(self.read)
        os.close(self.write)


class _Connection:
    """A client on the host and its connection to the app inside: both flows."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.sockets = (client, upstream)
        forth = _Flow(client, upstream)
        try:
            self.flows = (forth, _Flow(upstream, client))
        except OSError:
            forth.close()
            raise
        self.registered = {client: 0, upstream: 0}
        self.connecting = True
        self.closed = False

    def step(self, selector: selectors.BaseSelector) -> None:
        """Move what can be moved, then wait for what lets the flows go on (or close).

        Nothing moves until the connection to the app is made (a client's end
        of file passed on before would abort it). Whatever fails closes this
        connection only.
        """
        if self.closed:  # both sockets had events in the same round
            return
        upstream = self.sockets[1]
        try:
            if self.connecting:
                error = upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise OSError(error, os.strerror(error))
                upstream.getpeername()  # not connected yet: OSError(ENOTCONN)
                self.connecting = False
            for flow in self.flows:
                flow.move()
        except OSError as error:
            if error.errno == errno.ENOTCONN and self.connecting:
                self._wait(selector, upstream, selectors.EVENT_WRITE)
            else:
                self.close(selector)
            return
        if all(flow.ended for flow in self.flows):
            self.close(selector)
            return
        try:
            for sock in self.sockets:
                self._wait(selector, sock,
                           self.flows[0].interest(sock) | self.flows[1].interest(sock))
        except OSError:
            self.close(selector)

    def _wait(self, selector: selectors.BaseSelector, sock: socket.socket, events: int) -> None:
        """Have ``selector`` watch ``events`` of ``sock`` for this connection (none: unwatched)."""
        if events != self.registered[sock]:
            if not events:
                selector.unregister(sock)
            elif self.registered[sock]:
                selector.modify(sock, events, self)
            else:
                selector.register(sock, events, self)
            self.registered[sock] = events

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.closed:
            return
        self.closed = True
        for sock in self.sockets:
            if self.registered[sock]:
                selector.unregister(sock)
            sock.close()
        for flow in self.flows:
            flow.close()


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
            self.listener.listen(1024)
            self.listener.setblocking(False)
            with selectors.DefaultSelector() as selector:
                selector.register(self.listener, selectors.EVENT_READ)
                while True:
                    for key, _ in selector.select():
                        if key.data is None:
                            self._accept(selector, *inside)
                        else:
                            key.data.step(selector)

    def _accept(self, selector: selectors.BaseSelector, family: int, address: str) -> None:
        """Accept every waiting client and start connecting it to the app."""
        while True:
            try:
                client, _ = self.listener.accept()
            except BlockingIOError:  # none left
                return
            except OSError:  # out of descriptors: let connections end before the next try
                time.sleep(ACCEPT_BACKOFF_SECONDS)
                return
            try:
                upstream = socket.socket(family, socket.SOCK_STREAM)  # inside, like this thread
            except OSError:
                client.close()
                continue
            try:
                for sock in (client, upstream):
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if upstream.connect_ex((address, self.port)) not in (0, errno.EINPROGRESS):
                    raise ConnectionRefusedError
                connection = _Connection(client, upstream)
            except OSError:  # the client left already, or no pipe for it
                client.close()
                upstream.close()
                continue
            connection.step(selector)
