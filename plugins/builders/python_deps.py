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

from autostack_core.build_errors import BuildError

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
    """The dependencies of the Python project at ``root`` (maybe none)."""
    if (root / "requirements.txt").is_file():
        return Dependencies(["-r", "requirements.txt"], reason="requirements.txt")
    if (root / "Pipfile.lock").is_file():
        _write(root, pipfile_lock_requirements(_json(root / "Pipfile.lock")))
        return Dependencies(["-r", EXPORTED], reason="Pipfile.lock (default packages)")
    if (root / "Pipfile").is_file():
        _write(root, pipfile_requirements(_toml(root / "Pipfile")))
        return Dependencies(["-r", EXPORTED], reason="Pipfile [packages]")
    if (root / "uv.lock").is_file() and installed("uv"):
        return Dependencies(["-r", EXPORTED], reason="uv.lock, exported by uv", export_command=(
            f"uv export --frozen --no-dev --no-hashes --no-emit-project -o {EXPORTED}"))
    if (root / "poetry.lock").is_file() and installed("poetry"):
        return Dependencies(["-r", EXPORTED], reason="poetry.lock, exported by Poetry",
                            export_command=f"poetry export --without-hashes -o {EXPORTED}")
    pyproject = _toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else {}
    if "build-system" in pyproject or "project" in pyproject or (root / "setup.py").is_file():
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
    path = root / EXPORTED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise BuildError(f"{path.name} is not valid JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path.name} is not valid TOML: {exc}") from None
