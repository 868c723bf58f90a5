"""``vercel.json``'s ``crons``, read and checked at build time.

``"crons": [{"path": "/api/cleanup", "schedule": "0 5 * * *"}]``, as on
Vercel: a path on the deployment (starting with ``/``, at most 512
characters, query string allowed) and a five-field UTC schedule
(:mod:`.schedule`). Anything else fails the build with a message naming the
entry and the field, so a typo never becomes a cron that silently never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from autostack_core.build.build_errors import BuildError

from .schedule import ScheduleError, parse

if TYPE_CHECKING:
    from autostack_core.interfaces import SourceTree

MAX_CRONS = 100
"""Vercel's limit per project."""
MAX_PATH = 512
MAX_SCHEDULE = 256


@dataclass(frozen=True)
class CronEntry:
    path: str
    schedule: str


def check_path(path: object, where: str) -> str:
    """``path`` if it is a path on the deployment's own hostname; else a BuildError."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise BuildError(f"{where}.path must be a string starting with /, got {path!r}")
    if path.startswith("//") or any(char in path for char in "\\# \t\r\n"):
        raise BuildError(f"{where}.path {path!r} is not a path on the deployment")
    if len(path) > MAX_PATH:
        raise BuildError(f"{where}.path is longer than {MAX_PATH} characters")
    return path


def check_schedule(schedule: object, where: str) -> str:
    """``schedule`` normalised (single spaces) if valid; else a BuildError naming the field."""
    if not isinstance(schedule, str) or len(schedule) > MAX_SCHEDULE:
        raise BuildError(f"{where}.schedule must be a cron expression string, got "
                         f"{schedule!r}")
    try:
        return parse(schedule).expression
    except ScheduleError as error:
        raise BuildError(f"{where}.schedule {schedule!r}: {error}") from error


def crons_of(tree: SourceTree) -> list[CronEntry]:
    """The crons of the ``vercel.json`` at the root of ``tree`` (none without one)."""
    config = tree.read_json("vercel.json")
    if not isinstance(config, dict) or "crons" not in config:
        return []
    crons = config["crons"]
    if not isinstance(crons, list):
        raise BuildError("vercel.json crons must be a list of {path, schedule}")
    if len(crons) > MAX_CRONS:
        raise BuildError(f"vercel.json crons has {len(crons)} entries; the limit is "
                         f"{MAX_CRONS}")
    entries: list[CronEntry] = []
    for index, item in enumerate(crons):
        where = f"vercel.json crons[{index}]"
        if not isinstance(item, dict):
            raise BuildError(f"{where} must be an object with path and schedule")
        unknown = sorted(set(item) - {"path", "schedule"})
        if unknown:
            raise BuildError(f"{where} has unknown field {unknown[0]!r} (path, schedule)")
        entry = CronEntry(check_path(item.get("path"), where),
                          check_schedule(item.get("schedule"), where))
        if entry not in entries:
            entries.append(entry)
    return entries
