"""The static fallback: plain HTML served as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autostack_core.interfaces import SourceTree
from autostack_plugins.detectors import static

pytestmark = pytest.mark.dbless


def test_index_html_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>Hello</h1>")
    detection = static.detect(SourceTree(tmp_path))
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("static", "static")
    assert detection.output_directory == "."
    assert detection.build_command is None and detection.install_command is None
    assert detection.confidence == 0.1
    assert "`index.html` present" in detection.reasons[0]


def test_index_html_in_public(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<h1>Hello</h1>")
    detection = static.detect(SourceTree(tmp_path))
    assert detection is not None and detection.output_directory == "public"


def test_no_html(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# hi")
    assert static.detect(SourceTree(tmp_path)) is None


def test_registered_as_a_fallback() -> None:
    options: Any = static.detect_framework.autostack_impl  # type: ignore[attr-defined]
    assert options["trylast"] is True
