"""The docker detector: a Dockerfile for container providers, and the Procfile fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autostack_core.interfaces import SourceTree
from autostack_plugins.detectors import docker

pytestmark = pytest.mark.dbless


def tree(root: Path, files: dict[str, str]) -> SourceTree:
    for name, content in files.items():
        (root / name).write_text(content)
    return SourceTree(root)


def test_dockerfile(tmp_path: Path) -> None:
    detection = docker.detect_framework(
        tree(tmp_path, {"Dockerfile": "FROM golang:1.22 AS build\nEXPOSE 8080\n"}), None
    )
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("docker", "docker")
    assert "the image listens on port 8080 (`EXPOSE` in `Dockerfile`)" in detection.reasons
    assert any("container provider" in reason for reason in detection.reasons)


def test_procfile_without_a_language_marker(tmp_path: Path) -> None:
    detection = docker.detect_framework(tree(tmp_path, {"Procfile": "web: ./run.sh\n"}), None)
    assert detection is not None
    assert (detection.framework, detection.start_command) == ("procfile", "./run.sh")


def test_procfile_with_package_json_runs_on_node(tmp_path: Path) -> None:
    files = {"Procfile": "web: node index.js\n", "package.json": "{}"}
    detection = docker.detect_framework(tree(tmp_path, files), None)
    assert detection is not None and detection.runtime == "node"


def test_dockerfile_beats_procfile(tmp_path: Path) -> None:
    files = {"Procfile": "web: ./run.sh\n", "Dockerfile": "FROM alpine\n"}
    detection = docker.detect_framework(tree(tmp_path, files), None)
    assert detection is not None and detection.framework == "docker"


def test_registered_as_a_fallback() -> None:
    options: Any = docker.detect_framework.autostack_impl  # type: ignore[attr-defined]
    assert options["trylast"] is True


def test_nothing(tmp_path: Path) -> None:
    assert docker.detect_framework(tree(tmp_path, {"README.md": ""}), None) is None


def test_vercel_container_marker_beats_a_plain_dockerfile(tmp_path: Path) -> None:
    files = {"Dockerfile.vercel": "FROM node:22\n", "Dockerfile": "FROM node:20\n"}
    detection = docker.detect_framework(tree(tmp_path, files), None)
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("container", "docker")
    assert detection.build_command == "docker build -f Dockerfile.vercel ."
