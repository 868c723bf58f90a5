"""``autostack`` with its time split, for ``bench/deploy_bench.py split``: run as the CLI
(``python bench/deploy_split.py deploy DIR ...``) with ``BENCH_T0`` (the parent's
``time.time()`` just before starting it) in the environment.

It prints to stderr one ``SPLIT`` line of JSON: ``[phase, milliseconds]`` pairs in order:
the interpreter's start, importing the CLI, hashing the folder, each request, following
the build (SSE), the command's end. The parent adds the process's exit.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import time

started = time.time()
phases: list[tuple[str, float]] = [("interpreter start", started - float(os.environ["BENCH_T0"]))]
last = started


def mark(name: str) -> None:
    global last
    now = time.time()
    phases.append((name, now - last))
    last = now


from autostack_core.cli import main  # noqa: E402 (the import is what is timed)

mark("imports")

import autostack_core.cli as cli_package  # noqa: E402
from autostack_core.cli import api_client, client  # noqa: E402

# The CLI before http.client (httpx) had no ``response``; its requests go through ``request``.
SENDER = "response" if hasattr(api_client.ApiClient, "response") else "request"
real_collect, real_send, real_events = (client.collect, getattr(api_client.ApiClient, SENDER),
                                        api_client.ApiClient.events)


def collect(*args, **kwargs):  # type: ignore[no-untyped-def]
    mark("before hashing")
    files = real_collect(*args, **kwargs)
    mark("hash folder")
    return files


def send(self, method, path, **kwargs):  # type: ignore[no-untyped-def]
    mark("client code")
    answer = real_send(self, method, path, **kwargs)
    path = re.sub(r"/deployments/[a-z0-9]+$", "/deployments/ID",
                  re.sub(r"/projects/[^/]+", "/projects/P", path.removeprefix("/api/v1")))
    mark(f"{method} {path}")
    return answer


def events(self, path):  # type: ignore[no-untyped-def]
    mark("client code")
    try:
        yield from real_events(self, path)
    finally:  # the caller stops reading at the ``end`` event
        mark("follow build (SSE)")


client.collect = collect
setattr(api_client.ApiClient, SENDER, send)
api_client.ApiClient.events = events


reported: list[bool] = []


@atexit.register
def report() -> None:
    if reported:
        return
    reported.append(True)
    mark("client code")
    merged: dict[str, float] = {}
    for name, seconds in phases:
        merged[name] = merged.get(name, 0.0) + seconds
    print("SPLIT " + json.dumps([[name, round(seconds * 1000, 1)]
                                 for name, seconds in merged.items()]), file=sys.stderr)
    print(f"SPLIT_END {time.time()!r}", file=sys.stderr)


# A client command now ends with os._exit (no atexit): report just before.
real_exit = getattr(cli_package, "exit_at_once", None)
if real_exit is not None:
    def exit_at_once(code: object) -> None:
        report()
        real_exit(code)

    cli_package.exit_at_once = exit_at_once


if __name__ == "__main__":
    sys.argv[0] = "autostack"
    main()
