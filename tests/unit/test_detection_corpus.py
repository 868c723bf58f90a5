"""Detection against a corpus of real public projects (tests/fixtures/detection_corpus).

Each case folder holds the minimal manifests of one repository or published
starter (package.json keys that matter, lockfile names, config file names,
requirements) and a ``case.json`` naming its source, whether the manifests were
read from that source (``checked``) or written from it for a variant, and the
expected answer: detection fields, the root directory, and a monorepo's apps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.detection import detect
from autostack_core.build.detection_report import detection_report
from autostack_core.build.workspaces import detect_apps
from autostack_core.config import Settings
from autostack_core.interfaces import SourceTree
from autostack_core.plugins import get_plugin_manager

pytestmark = pytest.mark.dbless

CORPUS = Path(__file__).parent.parent / "fixtures" / "detection_corpus"
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "case.json").is_file())
NPM = "https://www.npmjs.com/package/"
SOURCES = ("https://github.com/", NPM)
#: Vercel's slugs a case must expect: all but `services` (set in vercel.json, never
#: detected) and `sveltekit-1` (AutoStack reads it as `sveltekit`).
VERCEL_PRESETS = frozenset(json.loads(
    (CORPUS.parent / "vercel_frameworks_3.34.json").read_text())["presets"]
) - {"services", "sveltekit-1"}


def test_the_corpus_is_large_and_names_its_sources() -> None:
    assert len(CASES) >= 150
    for name in CASES:
        case = json.loads((CORPUS / name / "case.json").read_text())
        assert case["source"].startswith(SOURCES), name
        if case["source"].startswith(NPM):
            # A starter published on npm: the package and version it came from.
            assert case["source"].endswith("/v/" + case["package"].rsplit("@", 1)[1]), name


def test_every_vercel_preset_has_a_case() -> None:
    """Each slug of @vercel/frameworks 3.34 is the expected answer of at least one case."""
    expected = {
        json.loads((CORPUS / name / "case.json").read_text())["expected"].get("framework")
        for name in CASES
    }
    assert sorted(VERCEL_PRESETS - expected) == []


@pytest.mark.parametrize("name", CASES)
async def test_corpus_case(name: str) -> None:
    folder = CORPUS / name
    case: dict[str, Any] = json.loads((folder / "case.json").read_text())
    manager = get_plugin_manager(load_entry_points=False).manager
    detection = await detect(SourceTree(folder), manager, Settings())
    apps = await detect_apps(folder, manager, Settings())
    report = detection_report(folder, detection, apps=apps)
    found = {key: report[key] for key in case["expected"]}
    assert found == case["expected"], report["reasons"]
    if "apps" in case:
        assert report["apps"] == case["apps"]
