"""What ``pip install --target`` installs for a Python project, from any of its tools.

``requirements.txt`` is used as it is. Otherwise the lockfile of Pipenv is
turned into pinned requirements here; uv and Poetry export theirs when the
tool is installed on the server; and a ``pyproject.toml`` or ``setup.py`` is
installed as a package (``pip install .``), which pulls its declared
dependencies through its own build backend.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError

from .node_toolchain import installed
from .steps import SCRATCH

EXPORTED = f"{SCRATCH}/requirements.txt"


@dataclass(frozen=True)
class Dependencies:
    """How to get the project's packages: an optional export command, then pip arguments."""

    pip_args: list[str]
    export_command: str | None = None
    reason: str = ""


def dependencies(root: Path) -> Dependencies:
    """The dependencies of the Python project at ``root`` (maybe none).

    Files are read and written inside ``root`` only (:mod:`autostack_core.build.user_files`):
    a ``Pipfile.lock`` linked to a server file is refused, not turned into
    requirement lines that pip would echo into the build log.
    """
    if user_files.is_file(root, "requirements.txt"):
        return Dependencies(["-r", "requirements.txt"], reason="requirements.txt")
    if (lock := _json(root, "Pipfile.lock")) is not None:
        _write(root, pipfile_lock_requirements(lock))
        return Dependencies(["-r", EXPORTED], reason="Pipfile.lock (default packages)")
    if (pipfile := _toml(root, "Pipfile")) is not None:
        _write(root, pipfile_requirements(pipfile))
        return Dependencies(["-r", EXPORTED], reason="Pipfile [packages]")
    if user_files.is_file(root, "uv.lock") and installed("uv"):
        return Dependencies(["-r", EXPORTED], reason="uv.lock, exported by uv", export_command=(
            f"uv export --frozen --no-dev --no-hashes --no-emit-project -o {EXPORTED}"))
    if user_files.is_file(root, "poetry.lock") and installed("poetry"):
        return Dependencies(["-r", EXPORTED], reason="poetry.lock, exported by Poetry",
                            export_command=f"poetry export --without-hashes -o {EXPORTED}")
    pyproject = _toml(root, "pyproject.toml") or {}
    packaged = "build-system" in pyproject or "project" in pyproject
    if packaged or user_files.is_file(root, "setup.py"):
        return Dependencies(["."], reason="the project's own package metadata")
    if pyproject:
        raise BuildError("pyproject.toml declares neither [project] nor [build-system], so its "
                         "dependencies cannot be installed: add a requirements.txt")
    return Dependencies([], reason="no dependency file")


def pipfile_lock_requirements(lock: dict[str, Any]) -> list[str]:
    """Pinned requirement lines for the ``default`` section of a ``Pipfile.lock``."""
    lines = []
    for name, entry in sorted((lock.get("default") or {}).items()):
        line = name + str(entry.get("version", ""))
        if entry.get("markers"):
            line += f"; {entry['markers']}"
        lines.append(line)
    return lines


def pipfile_requirements(pipfile: dict[str, Any]) -> list[str]:
    """Requirement lines for the ``[packages]`` of a ``Pipfile`` without a lock."""
    lines = []
    for name, spec in sorted((pipfile.get("packages") or {}).items()):
        version = spec if isinstance(spec, str) else spec.get("version", "*")
        lines.append(name if version == "*" else f"{name}{version}")
    return lines


def _write(root: Path, lines: list[str]) -> None:
    user_file_writes.write_text(root, EXPORTED, "".join(f"{line}\n" for line in lines))


def _json(root: Path, name: str) -> dict[str, Any] | None:
    """The JSON object in ``name``, {} for another value, None when there is no such file."""
    text = user_files.read_text(root, name)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        # The parser's message gives a position, never the text.
        raise BuildError(f"{name} is not valid JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def _toml(root: Path, name: str) -> dict[str, Any] | None:
    text = user_files.read_text(root, name)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{name} is not valid TOML: {exc}") from None
