"""Lay out a built Node.js server app as ``server/`` plus its start command.

The folder is mounted read-only at run time and goes through the content
store, which keeps no symlinks: every ``node_modules/.bin`` link becomes a
two-line shell script that runs the real file, so tools resolve their own
modules from where they really live. Next.js uses its ``standalone`` output
when the app enables it (small and self-contained); otherwise the project is
shipped with its ``node_modules`` and started with ``next start``. Other apps
run their start command, with package scripts (``npm run start``) resolved to
the script itself so no package manager runs at serve time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import Detection, SourceTree

from .steps import ignore_names

NEXT_BIN = "node_modules/next/dist/bin/next"
STANDALONE = ".next/standalone"
_RUNNERS = re.compile(
    r"^(?:npm(?: run(?:-script)?)?|yarn(?: run)?|pnpm(?: run)?|bun(?: run)?)\s+([\w:.-]+)$"
)
_EXEC_PREFIX = re.compile(r"^(?:npx(?: --yes| -y)?|pnpm exec|pnpm dlx|yarn exec|bunx)\s+")
_SHELL_SYNTAX = re.compile(r"[;&|<>()`$]")


def lay_out_server(workspace: Path, output_dir: Path,
                   detection: Detection) -> tuple[str, list[str]]:
    """Copy the app into ``output_dir/server``; return its start command and the links left out."""
    server = output_dir / "server"
    if detection.framework == "nextjs":
        standalone = _next_standalone(workspace)
        if standalone is not None:
            return _lay_out_standalone(workspace, standalone, output_dir)
    skipped = user_file_writes.copy_tree(workspace, ".", output_dir, "server",
                        _without_build_caches(ignore_names()))
    replace_bin_links(server)
    if detection.framework == "nextjs":
        if not user_files.is_file(server, NEXT_BIN):
            raise BuildError("`next` is not installed in node_modules after the install step")
        return f'exec node {NEXT_BIN} start -H 127.0.0.1 -p "$PORT"', skipped
    if not detection.start_command:
        raise BuildError(f"no start command for this {detection.name} app: add a `start` "
                         "script to package.json or set the start command in the settings")
    return start_command(detection.start_command, _scripts(workspace)), skipped


def _without_build_caches(
    ignore: Callable[[str, list[str]], set[str]],
) -> Callable[[str, list[str]], set[str]]:
    """Also skip ``.next/cache``: the build's cache, never read by ``next start``."""

    def skip(folder: str, names: list[str]) -> set[str]:
        extra = {"cache"} & set(names) if os.path.basename(folder) == ".next" else set()
        return ignore(folder, names) | extra

    return skip


def _next_standalone(workspace: Path) -> str | None:
    """The folder of Next's standalone ``server.js`` (nested in monorepos), if built.

    Relative to ``.next/standalone``.
    """
    tree = SourceTree(workspace)
    if not tree.is_dir(STANDALONE):
        return None
    found = [PurePosixPath(path) for path in tree.subtree(STANDALONE).glob("**/server.js")]
    found = sorted((path for path in found if "node_modules" not in path.parts),
                   key=lambda p: len(p.parts))
    return found[0].parent.as_posix() if found else None


def _lay_out_standalone(workspace: Path, app: str, output_dir: Path) -> tuple[str, list[str]]:
    skipped = user_file_writes.copy_tree(workspace, STANDALONE, output_dir, "server")
    target = "server" if app == "." else f"server/{app}"
    # Next's docs: the standalone server does not copy these two folders itself.
    tree = SourceTree(workspace)
    for source in (".next/static", "public"):
        if tree.is_dir(source):
            skipped += user_file_writes.copy_tree(workspace, source, output_dir,
                                                  f"{target}/{source}")
    replace_bin_links(output_dir / "server")
    cd = "" if app == "." else f"cd {app} && "
    return f'{cd}HOSTNAME=127.0.0.1 exec node server.js', skipped


def _scripts(workspace: Path) -> dict[str, str]:
    try:
        scripts = json.loads(SourceTree(workspace).read_text("package.json") or "").get("scripts")
    except (ValueError, AttributeError):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(
        scripts, dict) else {}


def start_command(command: str, scripts: dict[str, str]) -> str:
    """The shell command that starts the app in ``/app``, without a package manager.

    ``npm run start`` becomes the ``start`` script itself and ``npx tool`` the
    tool; ``node_modules/.bin`` is on the PATH either way, as under npm.
    """
    runner = _RUNNERS.match(command.strip())
    if runner and runner[1] in scripts:
        command = scripts[runner[1]]
    command = _EXEC_PREFIX.sub("", command.strip())
    if not _SHELL_SYNTAX.search(command.replace("$PORT", "")):
        command = f"exec {command}"
    return (f'export PATH="$PWD/node_modules/.bin:$PATH" NODE_ENV="${{NODE_ENV:-production}}"; '
            f"{command}")


def replace_bin_links(root: Path) -> int:
    """Turn every ``.bin`` symlink under ``root`` into a script running its target."""
    replaced = 0
    for folder, dirs, files in os.walk(root):
        if os.path.basename(folder) != ".bin":
            continue
        for name in files + dirs:
            link = Path(folder) / name
            inside = link.relative_to(root).as_posix()
            if not link.is_symlink() or not user_files.is_file(root, inside):
                continue
            target = user_files.resolve(root, inside)
            relative = os.path.relpath(target, link.parent)
            runner = "" if os.access(target, os.X_OK) else "node "
            user_file_writes.write_text(root, inside, f'#!/bin/sh\nexec {runner}"$(dirname "$0")/'
                                  f'{relative}" "$@"\n', mode=0o755)
            replaced += 1
    return replaced
