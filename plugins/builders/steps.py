"""What every builder does the same way: run a step, copy a tree, write output JSON.

Copies and writes go through :mod:`autostack_core.build.user_files`, never ``shutil``:
the workspace is the user's, and a symlink in it must not reach the host's files.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from autostack_core.build import user_file_writes
from autostack_core.build.build_errors import BuildError
from autostack_core.build.user_file_writes import Ignore
from autostack_core.interfaces import BuildContext

# Never part of a deployment: version control, caches, AutoStack's own build scratch.
SCRATCH = ".autostack"
NEVER_SHIPPED = {".git", ".hg", ".svn", SCRATCH, ".vercel", "__pycache__", ".DS_Store"}


async def run_step(context: BuildContext, step: str, command: str | None) -> None:
    """Run ``command`` in the sandbox; a non-zero exit is a :class:`BuildError`."""
    if not command:
        return
    code = await context.run(command, step=step)
    if code != 0:
        raise BuildError(f"{step} command `{command}` exited with code {code}")


async def warn_skipped(context: BuildContext, skipped: list[str]) -> None:
    """Say in the build log which symlinks were not published, and why."""
    for path in skipped:
        await context.log(f"warning: {path} is a symlink pointing outside its folder; "
                          "it is left out of the deployment")


async def publish(context: BuildContext, source: str, target: str,
                  ignore: Ignore | None = None) -> None:
    """Copy the workspace's folder ``source`` to the output's ``target``, with warnings."""
    skipped = await asyncio.to_thread(user_file_writes.copy_tree, context.workspace, source,
                                      context.output_dir, target, ignore)
    await warn_skipped(context, skipped)


def ignore_names(*extra: str) -> Ignore:
    """An ignore function for :func:`user_file_writes.copy_tree` skipping :data:`NEVER_SHIPPED`
    and ``extra``."""
    skipped = NEVER_SHIPPED | set(extra)

    def ignore(folder: str, names: list[str]) -> set[str]:
        return skipped & set(names)

    return ignore


def write_json(root: Path, relative: str, data: Any) -> None:
    """Write ``relative`` beneath ``root`` (the output), never through a symlink."""
    user_file_writes.write_text(root, relative, json.dumps(data, indent=2) + "\n")


def write_server(output_dir: Path, runtime: str, command: str, health_path: str = "/") -> None:
    """Write ``server.json``, AutoStack's entry for a long-running app in ``server/``."""
    write_json(output_dir, "server.json", {
        "runtime": runtime, "command": command, "health_path": health_path,
        "directory": "server",
    })


def write_routes(output_dir: Path, routes: list[dict[str, Any]]) -> None:
    """Write a Build Output v3 ``config.json`` with ``routes``."""
    write_json(output_dir, "config.json", {"version": 3, "routes": routes})
