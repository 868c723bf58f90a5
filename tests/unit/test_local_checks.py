"""The local plugin's doctor checks for Dockerfile apps (buildah, podman, the registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_plugins.providers.local.checks import check_containers

pytestmark = pytest.mark.dbless


def test_without_a_registry_the_check_passes_and_names_the_setting(tmp_path: Path) -> None:
    check = check_containers(Settings(data_dir=tmp_path))
    assert check.ok and "Dockerfile apps need AUTOSTACK_REGISTRY" in check.detail


def test_with_a_registry_it_names_the_tools_and_the_registry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, registry="127.0.0.1:5000")
    check = check_containers(settings)
    assert check.ok and "buildah version" in check.detail and "podman version" in check.detail
    assert check.detail.endswith("images pushed to 127.0.0.1:5000")
    monkeypatch.setenv("PATH", str(tmp_path))  # no buildah nor podman on it
    missing = check_containers(settings)
    assert not missing.ok and missing.detail.startswith("buildah, podman not found")
    assert missing.remedy == "sudo apt-get install -y buildah podman runc"
