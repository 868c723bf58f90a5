"""Running a service's tools (initdb, pg_dump, redis-cli) and finding Debian's binaries."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil


def postgres_bin(name: str) -> str | None:
    """The newest Debian PostgreSQL's ``name`` (``/usr/lib/postgresql/<v>/bin``), or PATH's."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    return found[-1] if found else shutil.which(name)


async def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run ``argv`` to its end; its output, or ``RuntimeError`` with it when it failed."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **(env or {})},
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"{os.path.basename(argv[0])} took longer than {timeout:.0f} s") \
            from None
    text = output.decode(errors="replace").strip()
    if process.returncode != 0:
        raise RuntimeError(f"{os.path.basename(argv[0])} failed: {text[-2000:]}")
    return text


def folder_size(path: str) -> int:
    """Bytes of the files below ``path``, links not followed."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total
