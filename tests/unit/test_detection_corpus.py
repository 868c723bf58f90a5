"""Detection against a corpus of real public projects (tests/fixtures/detection_corpus).

Each case folder holds the minimal manifests of one repository (package.json
keys that matter, lockfile names, config file names, requirements) and a
``case.json`` naming its source, whether the manifests were read from that
repository (``checked``) or written from it for a variant, and the expected
answer: detection fields, the root directory, and a monorepo's apps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autostack_core.config import Settings
from autostack_core.detection import detect
from autostack_core.detection_report import detection_report
from autostack_core.interfaces import SourceTree
from autostack_core.plugins import get_plugin_manager

pytestmark = pytest.mark.dbless

CORPUS = Path(__file__).parent.parent / "fixtures" / "detection_corpus"
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "case.json").is_file())


def test_the_corpus_is_large_and_names_its_sources() -> None:
    assert len(CASES) >= 60
    for name in CASES:
        case = json.loads((CORPUS / name / "case.json").read_text())
        assert case["source"].startswith("https://github.com/"), name


@pytest.mark.parametrize("name", CASES)
async def test_corpus_case(name: str) -> None:
    folder = CORPUS / name
    case: dict[str, Any] = json.loads((folder / "case.json").read_text())
    manager = get_plugin_manager(load_entry_points=False).manager
    detection = await detect(SourceTree(folder), manager, Settings())
    report = detection_report(folder, detection)
    found = {key: report[key] for key in case["expected"]}
    assert found == case["expected"], report["reasons"]
    if "apps" in case:
        assert report["apps"] == case["apps"]
