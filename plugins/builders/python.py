"""The Python builder: FastAPI, Flask, Django, Starlette and Procfile apps.

Packages are installed with ``pip install --target`` into ``server/.python``
for the server's own ``/usr/bin/python3``; the source is copied beside them.
The start command is the detected (or configured) one, made ready for a
read-only ``/app``: project runners (``uv run``, ``poetry run``) are dropped,
``.python`` is put on ``PYTHONPATH`` and ``PATH``, Flask's and Django's
development servers are replaced by gunicorn, and uvicorn or gunicorn are
installed when the command needs them and the project does not list them.
Apps listen on the loopback only: the edge is on the same machine.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection, SourceTree

from .python_deps import dependencies
from .routes_config import build_config
from .static_site import project_rules
from .steps import (
    SCRATCH,
    ignore_names,
    run_step,
    warn_skipped,
    write_json,
    write_server,
)

TARGET = f"{SCRATCH}/python"
PYTHON = "/usr/bin/python3"
PIP = (f"PIP_ROOT_USER_ACTION=ignore {PYTHON} -m pip install --disable-pip-version-check "
       "--no-warn-script-location --progress-bar off")
SERVERS = ("uvicorn", "gunicorn")
_RUNNER = re.compile(r"^(?:uv run|poetry run|pipenv run|rye run|pdm run)\s+")
_ANY_HOST = re.compile(r"(--host[= ]|--bind[= ]|-b |runserver )0\.0\.0\.0")
_FLASK_RUN = re.compile(r"^flask --app (\S+) run\b")
_DJANGO_RUNSERVER = re.compile(r"^python3? manage\.py runserver\b")
_SETTINGS = re.compile(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]")
ENVIRONMENT = ('export PYTHONPATH="$PWD/.python" PATH="$PWD/.python/bin:$PATH" '
               "PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1; ")


class PythonBuilder:
    """Builds Python web apps into ``server/`` with their packages."""

    name = "python"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "python"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        if not detection.start_command:
            raise BuildError(f"no start command for this {detection.name} app: add a Procfile "
                             "`web:` line or set the start command in the project settings")
        start = serving_command(detection.start_command, context.workspace)
        deps = await asyncio.to_thread(dependencies, context.workspace)
        await context.log(f"Python packages from {deps.reason}")
        await run_step(context, "install", deps.export_command)
        extra = missing_servers(start, context.workspace)
        if extra:
            await context.log(f"adding {', '.join(extra)} to serve the app")
        if deps.pip_args or extra:
            args = " ".join(shlex.quote(arg) for arg in [*deps.pip_args, *extra])
            await run_step(context, "install", f"{PIP} --target {TARGET} {args}")
        if detection.build_command:
            await run_step(context, "build", f'export PYTHONPATH="$PWD/{TARGET}"; '
                           + _RUNNER.sub("", detection.build_command))
        skipped = await asyncio.to_thread(lay_out, context.workspace, context.output_dir)
        await warn_skipped(context, skipped)
        rules = project_rules(context.workspace)
        write_json(context.output_dir, "config.json", build_config(rules, files=[]))
        command = ENVIRONMENT + start
        write_server(context.output_dir, "python", command)
        await context.log(f"server app in server/, started with: {start}")


def serving_command(command: str, root: Path) -> str:
    """The production form of a start command, listening on the loopback."""
    command = _RUNNER.sub("", command.strip())
    if flask := _FLASK_RUN.match(command):
        target = flask[1]
        if ".py" not in target:
            command = f"gunicorn {target} --bind 0.0.0.0:$PORT"
    elif _DJANGO_RUNSERVER.match(command):
        settings = _SETTINGS.search(_read(root, "manage.py"))
        if settings and "." in settings[1]:
            command = f"gunicorn {settings[1].rsplit('.', 1)[0]}.wsgi --bind 0.0.0.0:$PORT"
    command = _ANY_HOST.sub(lambda m: f"{m[1]}127.0.0.1", command)
    if re.match(r"^(uvicorn|gunicorn)\b", command):
        command = f"exec {PYTHON} -m {command}"
    return command


def missing_servers(command: str, root: Path) -> list[str]:
    """uvicorn or gunicorn when ``command`` runs one the project does not depend on."""
    declared = "\n".join(_read(root, name).lower() for name in
                         ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py"))
    return [server for server in SERVERS
            if re.search(rf"\b{server}\b", command)
            and not re.search(rf"(?<![\w-]){server}(?![\w-])", declared)]


def _read(root: Path, relative: str) -> str:
    return SourceTree(root).read_text(relative) or ""


def lay_out(workspace: Path, output_dir: Path) -> list[str]:
    """The source and the installed packages in ``server/``; returns the links left out."""
    skipped = user_file_writes.copy_tree(workspace, ".", output_dir, "server",
                        ignore_names(".venv", "venv", "node_modules"))
    if user_files.is_dir(workspace, TARGET):
        skipped += user_file_writes.copy_tree(workspace, TARGET, output_dir, "server/.python")
    user_file_writes.write_text(output_dir, "server/.python/bin/python",
                          f'#!/bin/sh\nexec {PYTHON} "$@"\n', mode=0o755)
    return skipped


@hookimpl
def register_builders(settings: Any) -> list[PythonBuilder]:
    """The built-in Python builder."""
    return [PythonBuilder()]
