"""Detection accuracy over the whole corpus, field by field.

Run with ``.venv/bin/python bench/detection_accuracy.py`` (``--misses`` lists
every wrong answer). Each case of ``tests/fixtures/detection_corpus`` names the
fields it checks in ``expected``; a field counts once per case that checks it,
and is right when ``autostack detect --json`` answers exactly the expected
value. Besides the five fields the issue asks about (framework, install, build,
output, start) the table shows runtime and package manager, and the share of
cases whose every checked field is right.

The corpus test (``tests/unit/test_detection_corpus.py``) already fails on any
wrong field; this script exists to report the figure, and to measure a detector
change on cases marked ``"known_miss"`` before they are fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from autostack_core.build.detection import detect
from autostack_core.build.detection_report import detection_report
from autostack_core.config import Settings
from autostack_core.interfaces import SourceTree
from autostack_core.plugins import get_plugin_manager

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "detection_corpus"
FIELDS = ("framework", "install_command", "build_command", "output_directory",
          "start_command", "runtime", "package_manager")


async def answers() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(case name, expected fields, report) for every case of the corpus."""
    manager = get_plugin_manager(load_entry_points=False).manager
    found = []
    for folder in sorted(CORPUS.iterdir()):
        if not (folder / "case.json").is_file():
            continue
        case = json.loads((folder / "case.json").read_text())
        detection = await detect(SourceTree(folder), manager, Settings())
        found.append((folder.name, case["expected"], detection_report(folder, detection)))
    return found


def tally(results: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> tuple[
        Counter[str], Counter[str], list[str]]:
    """Cases checking each field, cases right on it, and the misses as text."""
    checked: Counter[str] = Counter()
    right: Counter[str] = Counter()
    misses = []
    for name, expected, report in results:
        for field in FIELDS:
            if field not in expected:
                continue
            checked[field] += 1
            if report[field] == expected[field]:
                right[field] += 1
            else:
                misses.append(f"{name}: {field} expected {expected[field]!r}, "
                              f"got {report[field]!r}")
    return checked, right, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    options = parser.parse_args()
    results = asyncio.run(answers())
    checked, right, misses = tally(results)
    whole = sum(
        all(report[key] == value for key, value in expected.items() if key in report)
        for _, expected, report in results
    )
    frameworks = len({expected.get("framework") for _, expected, _ in results} - {None})
    print(f"{len(results)} cases, {frameworks} distinct expected frameworks\n")
    print("| field | cases checking it | right | accuracy |")
    print("|-------|-------------------|-------|----------|")
    for field in FIELDS:
        if checked[field]:
            share = right[field] / checked[field]
            print(f"| {field} | {checked[field]} | {right[field]} | {share:.1%} |")
    print(f"| every checked field of a case | {len(results)} | {whole} | "
          f"{whole / len(results):.1%} |")
    if options.misses:
        print("\n" + "\n".join(misses))


if __name__ == "__main__":
    main()
