"""A steady stream of requests to one hostname through the edge while a test changes it.

Zero-downtime tests deploy, roll back or promote while :func:`steady_load`
sends about 100 requests a second; afterwards they check that no request failed
and which versions answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadRecord:
    failures: list[str] = field(default_factory=list)
    """Every request that raised or answered other than 200, in order."""
    seen: list[str] = field(default_factory=list)
    """The first two characters of every answer, in order (a test's version marker)."""


@contextmanager
def steady_load(edge_port: int, host: str, fresh_visitors: bool = False) \
        -> Iterator[LoadRecord]:
    """Requests ``/`` of ``host`` on the edge every 10 ms until the block ends; with
    ``fresh_visitors`` each request comes without cookies (a new visitor each time, not
    one kept on a split's variant)."""
    record = LoadRecord()
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                if fresh_visitors:
                    http.cookies.clear()
                try:
                    response = http.get(f"http://127.0.0.1:{edge_port}/", headers={"Host": host})
                except httpx.HTTPError as error:
                    record.failures.append(repr(error))
                else:
                    if response.status_code != 200:
                        record.failures.append(f"{response.status_code} {response.text[:80]}")
                    record.seen.append(response.text[:2])
                time.sleep(0.01)

    worker = threading.Thread(target=load)
    worker.start()
    try:
        yield record
    finally:
        stop.set()
        worker.join()


def answered(load: LoadRecord, version: str, seconds: float = 30) -> None:
    """Wait until the requests the load sends from now on are answered by ``version``
    (the first two characters of the answer): a deploy or an alias move lands on the edge
    after the command returns, and a request already in flight still gets the version
    before. Fails naming the last answers after ``seconds``."""
    sent = len(load.seen)
    deadline = time.monotonic() + seconds
    while not (len(load.seen) > sent + 2 and load.seen[-3:] == [version] * 3):
        assert time.monotonic() < deadline, f"the load never got {version}: {load.seen[-5:]}"
        time.sleep(0.1)
