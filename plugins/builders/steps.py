"""What every builder does the same way: run a step, copy a tree, write output JSON."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autostack_core.build_errors import BuildError
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


def _link_or_copy(source: str, target: str) -> object:
    """Hard-link when source and output share a file system (fast), else copy."""
    try:
        os.link(source, target)
        return target
    except OSError:
        return shutil.copy2(source, target)


def copy_tree(source: Path, target: Path,
              ignore: Callable[[str, list[str]], set[str]] | None = None) -> None:
    """Copy ``source`` into ``target``, symlinks kept as links (the store checks them)."""
    shutil.copytree(source, target, symlinks=True, ignore=ignore,
                    copy_function=_link_or_copy, dirs_exist_ok=True)


def ignore_names(*extra: str) -> Callable[[str, list[str]], set[str]]:
    """An ignore function for :func:`copy_tree` skipping :data:`NEVER_SHIPPED` and ``extra``."""
    skipped = NEVER_SHIPPED | set(extra)

    def ignore(folder: str, names: list[str]) -> set[str]:
        return skipped & set(names)

    return ignore


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_server(output_dir: Path, runtime: str, command: str, health_path: str = "/") -> None:
    """Write ``server.json``, AutoStack's entry for a long-running app in ``server/``."""
    write_json(output_dir / "server.json", {
        "runtime": runtime, "command": command, "health_path": health_path,
        "directory": "server",
    })


def write_routes(output_dir: Path, routes: list[dict[str, Any]]) -> None:
    """Write a Build Output v3 ``config.json`` with ``routes``."""
    write_json(output_dir / "config.json", {"version": 3, "routes": routes})
