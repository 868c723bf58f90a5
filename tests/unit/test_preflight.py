"""``autostack up`` without bubblewrap or slirp4netns: the install command, no traceback.

The real command line runs with a ``PATH`` that lacks them (an empty folder, or
one holding only ``bwrap``); nothing starts when the check fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_core.infrastructure.preflight import sandbox_problems
from tests.conftest import free_port

pytestmark = pytest.mark.dbless

AUTOSTACK = str(Path(sys.executable).parent / "autostack")


def autostack_with_path(path: Path, tmp_path: Path, *args: str,
                        **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("AUTOSTACK_")}
    return subprocess.run(
        [AUTOSTACK, *args, "--data-dir", str(tmp_path / "data")],
        env={**clean, "PATH": str(path), **env}, capture_output=True, text=True, timeout=60)


def test_up_without_bubblewrap_or_slirp4netns_names_the_install_command(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = autostack_with_path(empty, tmp_path, "up", "--port", str(free_port()),
                                 "--edge-port", str(free_port()))
    assert result.returncode == 1
    assert "install with: sudo apt-get install -y bubblewrap slirp4netns" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()


def test_worker_without_slirp4netns_names_slirp4netns_only(tmp_path: Path) -> None:
    bwrap, true = shutil.which("bwrap"), shutil.which("true")
    if bwrap is None or true is None:
        pytest.skip("bubblewrap is not installed here (apt-get install -y bubblewrap)")
    only_bwrap = tmp_path / "bin"
    only_bwrap.mkdir()
    (only_bwrap / "bwrap").symlink_to(bwrap)
    (only_bwrap / "true").symlink_to(true)  # what doctor's probe runs in the sandbox
    result = autostack_with_path(only_bwrap, tmp_path, "worker")
    assert result.returncode == 1
    assert "install with: sudo apt-get install -y slirp4netns\n" in result.stderr
    assert "bubblewrap:" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_allow_unsandboxed_is_the_way_past(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    settings = Settings(data_dir=tmp_path)
    assert [check.name for check in sandbox_problems(settings)] == ["bubblewrap", "build net"]
    allowed = Settings(data_dir=tmp_path, allow_unsandboxed=True)
    assert sandbox_problems(allowed) == []
