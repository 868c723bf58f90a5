"""Small helpers shared by the core."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import os
import re
import secrets
import socket
import string
from pathlib import Path
from typing import Any

_SLUG_INVALID = re.compile(r"[^a-z0-9]+")
_ID_ALPHABET = string.ascii_lowercase + string.digits


async def await_me_maybe(value: Any) -> Any:
    """Resolve a hook result: call it if callable, await it if awaitable."""
    if callable(value):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    return value


def slugify(text: str, max_length: int = 48) -> str:
    """Lowercase, dash-separated, safe for a DNS label."""
    slug = _SLUG_INVALID.sub("-", text.lower()).strip("-")
    return slug[:max_length].strip("-")


_REF_FORBIDDEN = frozenset(" ~^:?*[\\\x7f") | {chr(code) for code in range(32)}


def branch_name_problem(name: str) -> str | None:
    """Why ``name`` is not a git branch name (``git check-ref-format --branch``), or None."""
    bad = sorted({char for char in name if char in _REF_FORBIDDEN})
    if bad:
        shown = ", ".join("space" if char == " " else repr(char) for char in bad)
        return f"a branch name cannot contain {shown}"
    if not name or name in ("@", "HEAD") or name.startswith("-"):
        return "a branch name cannot be empty, '@', 'HEAD' or start with '-'"
    if ".." in name or "@{" in name or name.endswith("."):
        return "a branch name cannot contain '..' or '@{', nor end with '.'"
    parts = name.split("/")
    if any(not part or part.startswith(".") or part.endswith(".lock") for part in parts):
        return ("a branch name's parts between slashes cannot be empty, start with '.' "
                "or end with '.lock'")
    return None


def random_id(length: int = 10) -> str:
    """A random lowercase id usable in hostnames."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie not reaped yet counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
            return False
    return True


def free_port() -> int:
    """A TCP port free on the loopback right now, below the kernel's ephemeral range.

    The kernel's own pick (bind to port 0) comes from the ephemeral range, where
    any outgoing connection made before the port's real owner binds it can take
    it; a random port below that range is only ever taken by another listener.
    """
    below = max(_ephemeral_range_start(), 11_000)
    for _ in range(50):
        port = 10_000 + secrets.randbelow(below - 10_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically (temporary file, then rename) with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def run_sync(coro: Any) -> Any:
    """Run a coroutine from synchronous code (command line entry points)."""
    return asyncio.run(coro)


class LazyModule:
    """Stands for module ``name`` and imports it at the first attribute asked of it.

    What :func:`lazy_module` returns; the import lock makes the first access
    from several threads safe (``importlib.util.LazyLoader`` is not, before
    Python 3.12).
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


def lazy_module(name: str) -> Any:
    """Module ``name``, imported when one of its attributes is first used rather than now.

    For a heavy library that only some paths need (a cloud SDK, a database
    driver): imported at start, it costs every server start-up time and
    memory although most never call it (``google.cloud.run_v2``: 0.5 s and
    60 MiB). Write ``if TYPE_CHECKING: import x`` / ``else: x = lazy_module("x")``
    so type checkers still see the module.
    """
    return LazyModule(name)

