"""``autostack service install | status``: the systemd unit, checked by systemd itself.

``systemd-analyze verify`` parses the written unit as systemd would (every
directive, the executable's existence); it runs where systemd's tools are
installed (Debian: ``apt-get install -y systemd``). No systemd runs as PID 1
here, so starting the unit is not tested; what a stop leaves running is
(tests/e2e/test_service.py, the same signal and setting without systemd).
"""

from __future__ import annotations

import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autostack_core.cli import main
from autostack_core.infrastructure.service import ServiceSpec, unit_text

pytestmark = pytest.mark.dbless

AUTOSTACK = Path(sys.executable).parent / "autostack"


def directives(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            found.setdefault(key, []).append(value)
    return found


def install(tmp_path: Path, *args: str) -> tuple[Path, str]:
    result = CliRunner().invoke(main, [
        "service", "install", "--unit-dir", str(tmp_path / "units"),
        "--env-file", str(tmp_path / "etc" / "autostack.env"), *args])
    assert result.exit_code == 0, result.output
    unit = tmp_path / "units" / "autostack.service"
    return unit, unit.read_text()


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here (apt-get install -y systemd)")
    return subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)


def test_install_writes_a_unit_systemd_accepts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data dir with 100% spaces"
    unit, text = install(tmp_path, "--data-dir", str(data_dir), "--user", "root",
                         "--port", "8100", "--domain", "apps.example.com")
    checked = verify(unit)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    found = directives(text)
    assert found["User"] == ["root"]
    assert found["Restart"] == ["on-failure"]
    assert found["KillMode"] == ["process"]
    assert found["EnvironmentFile"] == [f"-{tmp_path / 'etc' / 'autostack.env'}"]
    assert '"AUTOSTACK_DATA_DIR=' in found["Environment"][0]
    assert "AUTOSTACK_KEEP_APPS_RUNNING=1" in found["Environment"]
    command = shlex.split(found["ExecStart"][0].replace("%%", "%"))
    assert command == [str(AUTOSTACK), "up", "--data-dir", str(data_dir), "--host",
                       "127.0.0.1", "--port", "8100", "--domain", "apps.example.com"]
    assert data_dir.is_dir()


def test_verify_catches_what_systemd_would_ignore(tmp_path: Path) -> None:
    """The check above can fail: a misspelt directive or a missing executable is reported."""
    unit, text = install(tmp_path)
    unit.write_text(text.replace("KillMode=process", "KillMode=proces"))
    assert "kill mode" in verify(unit).stderr
    unit.write_text(text.replace(str(AUTOSTACK), "/nonexistent/autostack"))
    assert verify(unit).returncode != 0


def test_the_env_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    env_file = tmp_path / "etc" / "autostack.env"
    install(tmp_path)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env_file.write_text("AUTOSTACK_DOMAIN=example.com\n")
    install(tmp_path, "--port", "9000")
    assert env_file.read_text() == "AUTOSTACK_DOMAIN=example.com\n"


@pytest.mark.parametrize(("option", "value"), [
    ("--user", "root\nExecStartPre=/bin/sh"),
    ("--domain", "example.com\nUser=root"),
    ("--name", "../autostack"),
    ("--user", "no-such-user-here"),
])
def test_values_a_unit_cannot_hold_are_refused_naming_the_option(
        tmp_path: Path, option: str, value: str) -> None:
    result = CliRunner().invoke(main, [
        "service", "install", "--unit-dir", str(tmp_path / "units"),
        "--env-file", str(tmp_path / "env"), "--data-dir", str(tmp_path / "data"),
        option, value])
    assert result.exit_code == 2 and option in result.output
    assert not (tmp_path / "units").exists()


def test_a_relative_path_is_refused(tmp_path: Path) -> None:
    spec = ServiceSpec(executable=AUTOSTACK, user="root", data_dir=Path("data"),
                       env_file=tmp_path / "env")
    with pytest.raises(ValueError, match="--data-dir must be an absolute path"):
        unit_text(spec)


def test_status_says_what_is_installed_and_whether_it_runs(tmp_path: Path) -> None:
    units = tmp_path / "units"
    missing = CliRunner().invoke(main, ["service", "status", "--unit-dir", str(units)])
    assert missing.exit_code == 3 and "not installed" in missing.output
    install(tmp_path, "--data-dir", str(tmp_path / "data"))
    status = CliRunner().invoke(main, ["service", "status", "--unit-dir", str(units)])
    assert f"installed in {units / 'autostack.service'}" in status.output
    assert f"ExecStart={AUTOSTACK} up --data-dir {tmp_path / 'data'}" in status.output
    if not Path("/run/systemd/system").is_dir():
        assert status.exit_code == 3 and "systemd does not run on this machine" in status.output
