"""``autostack detect``: one JSON object with the documented keys, exit 1 when nothing is found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from autostack_core.build.detection_report import REPORT_KEYS
from autostack_core.cli.local import detect_command

pytestmark = pytest.mark.dbless


def test_json_is_exactly_one_object_with_the_documented_keys(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({
        "scripts": {"build": "next build", "start": "next start"},
        "dependencies": {"next": "^14.2.3", "react": "^18"}}))
    (tmp_path / "package-lock.json").write_text("{}")
    result = CliRunner().invoke(detect_command, [str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert tuple(report) == REPORT_KEYS
    assert report["framework"] == "nextjs" and report["runtime"] == "node"
    assert report["package_manager"] == "npm" and report["install_command"] == "npm ci"
    assert report["root_directory"] == "" and report["apps"] == []


def test_root_directory_comes_from_the_config_files(tmp_path: Path) -> None:
    (tmp_path / "netlify.toml").write_text('[build]\nbase = "site"\npublish = "site/public"\n')
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>")
    report = json.loads(CliRunner().invoke(detect_command, [str(tmp_path), "--json"]).output)
    assert report["root_directory"] == "site" and report["output_directory"] == "public"


def test_nothing_detected_prints_a_full_report_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = CliRunner().invoke(detect_command, [str(tmp_path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["framework"] is None and report["confidence"] == 0.0 and report["reasons"]
    text = CliRunner().invoke(detect_command, [str(tmp_path)])
    assert text.exit_code == 1 and "Nothing detected" in text.output


def test_text_output_lists_monorepo_apps(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"workspaces": ["apps/*"]}))
    (tmp_path / "apps" / "web").mkdir(parents=True)
    (tmp_path / "apps" / "web" / "package.json").write_text(json.dumps(
        {"name": "web", "scripts": {"build": "vite build"}}))
    result = CliRunner().invoke(detect_command, [str(tmp_path)])
    assert "apps/web" in result.output and "root directory" in result.output
