"""The one shape of a detection report: `autostack detect --json` and `POST /api/v1/detect`.

Both answer exactly one JSON object with the same keys, so a script written
against the command works against the API. When nothing is detected the object
is still complete: ``framework`` and the commands are null, ``confidence`` is 0
and ``reasons`` says what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autostack_core.build.detection import resolve_root_directory
from autostack_core.build.workspaces import list_apps
from autostack_core.interfaces import Detection, SourceTree

#: The keys of a report, in the order they are printed.
REPORT_KEYS: tuple[str, ...] = (
    "framework", "runtime", "package_manager", "install_command", "build_command",
    "output_directory", "start_command", "dev_command", "root_directory", "confidence",
    "reasons", "apps",
)

NOTHING_DETECTED = ("no detector recognised this source: add an index.html, or set the build "
                    "command and output directory in autostack.json")


def detection_report(
    root: Path, detection: Detection | None, project_overrides: dict[str, Any] | None = None,
    apps: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report for the source at ``root`` (the repository root) and its ``detection``.

    ``apps`` are the monorepo's apps with their frameworks
    (:func:`autostack_core.build.workspaces.detect_apps`); without them, the apps are
    listed without detecting each.
    """
    chosen = resolve_root_directory(SourceTree(root), project_overrides)
    report: dict[str, Any] = dict.fromkeys(REPORT_KEYS)
    if detection is not None:
        found = detection.to_dict()
        report.update({key: found[key] for key in REPORT_KEYS if key in found})
    report["root_directory"] = chosen.value if chosen is not None and chosen.value else ""
    report["confidence"] = detection.confidence if detection is not None else 0.0
    report["reasons"] = list(detection.reasons) if detection is not None else [NOTHING_DETECTED]
    report["apps"] = list_apps(root) if apps is None else apps
    return report
