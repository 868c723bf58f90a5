"""The waker: a listener standing in for a deployment scaled to zero.

While a deployment sleeps, the edge proxies its requests to a waker port in
the control plane. The first connection calls ``wake`` (which starts the
replicas and answers with a port as soon as one listens, then goes on to
wait for their health check and point the edge at them) and every
connection accepted meanwhile is then spliced, byte for byte, to that
replica: the requests wait for the cold start instead of failing, and no
longer than the app takes to listen. The waker does not parse HTTP; once
the edge points at the replicas, new connections no longer come here and
the waker is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("autostack.waker")

WakeCallback = Callable[[], Awaitable[int]]


class Waker:
    """Listens on ``127.0.0.1:port``; wakes the deployment and splices connections to it."""

    def __init__(self, wake: WakeCallback) -> None:
        self._wake = wake
        self._server: asyncio.Server | None = None
        self._target: asyncio.Task[int] | None = None
        self.port = 0

    async def start(self, port: int = 0) -> int:
        """Listen (on ``port``, or a free one) and return the port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        """Stop listening; connections already accepted finish their splice."""
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._target is None or (self._target.done() and self._target.exception()):
                self._target = asyncio.ensure_future(self._wake())
            port = await asyncio.shield(self._target)
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        except Exception as error:
            logger.warning("could not wake the deployment: %s", error)
            writer.close()
            return
        try:
            await asyncio.gather(_copy(reader, upstream_writer), _copy(upstream_reader, writer))
        finally:
            upstream_writer.close()
            writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, RuntimeError, OSError):
            writer.write_eof()
