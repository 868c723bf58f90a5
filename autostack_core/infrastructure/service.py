"""AutoStack as a systemd service: the unit ``autostack service install`` writes, and its state.

The unit runs ``autostack up`` of the installation that wrote it (its absolute
path), as a chosen user, on a chosen data directory, with an environment file
for the settings (database URL, secret keys, domain: ``AUTOSTACK_*``), and
restarts it when it fails. Stopping it stops the control plane only
(``KillMode=process`` and ``AUTOSTACK_KEEP_APPS_RUNNING=1``): deployed apps and
the Caddy edge run in their own sessions and the next start re-adopts them, as
after a crash, so a restart or an upgrade leaves every deployment serving.
This is containerd's choice for its containers. ``Restart=on-failure``: a
clean stop stays stopped, a crash comes back after ``RestartSec``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNIT_DIR = Path("/etc/systemd/system")
ENV_FILE = Path("/etc/autostack/autostack.env")
NAME = "autostack"
STATE_PROPERTIES = ("LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID")

ENV_FILE_TEXT = """\
# Settings of the AutoStack service (AUTOSTACK_*: see the README's configuration table).
# Read at each start; `systemctl restart {name}` applies a change.
# AUTOSTACK_DOMAIN=example.com
# AUTOSTACK_PUBLIC_URL=https://autostack.example.com
# AUTOSTACK_DATABASE_URL=postgres://autostack:password@127.0.0.1:5432/autostack
"""


@dataclass(frozen=True)
class ServiceSpec:
    """What the unit runs; every path absolute."""

    executable: Path
    user: str
    data_dir: Path
    env_file: Path
    host: str = "127.0.0.1"
    port: int = 8000
    edge_port: int | None = None
    domain: str | None = None
    name: str = NAME

    def up_arguments(self) -> list[str]:
        arguments = [str(self.executable), "up", "--data-dir", str(self.data_dir),
                     "--host", self.host, "--port", str(self.port)]
        if self.edge_port is not None:
            arguments += ["--edge-port", str(self.edge_port)]
        if self.domain is not None:
            arguments += ["--domain", self.domain]
        return arguments


def check_spec(spec: ServiceSpec) -> None:
    """Raise ``ValueError`` naming the option a unit file could not hold as given."""
    for option, path in (("--data-dir", spec.data_dir), ("--env-file", spec.env_file),
                         ("executable", spec.executable)):
        if not path.is_absolute():
            raise ValueError(f"{option} must be an absolute path, not {path}")
    for option, value in (("--data-dir", str(spec.data_dir)), ("--env-file", str(spec.env_file)),
                          ("--host", spec.host), ("--domain", spec.domain or ""),
                          ("executable", str(spec.executable))):
        if any(character in value for character in "\n\r\0"):
            raise ValueError(f"{option} must not contain a line break")
    if not re.fullmatch(r"[a-zA-Z0-9_][a-zA-Z0-9_.-]*", spec.user):
        raise ValueError(f"--user must be a user name, not {spec.user!r}")
    if not re.fullmatch(r"[a-zA-Z0-9_.-]+", spec.name):
        raise ValueError(f"--name must be letters, digits, '.', '_' or '-', not {spec.name!r}")


def quote(value: str) -> str:
    """One word of a unit file: specifiers (``%``) escaped, quoted when it has spaces."""
    escaped = value.replace("%", "%%")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_text(spec: ServiceSpec) -> str:
    """The systemd unit of ``spec``."""
    check_spec(spec)
    command = " ".join(quote(argument) for argument in spec.up_arguments())
    return f"""\
# Written by `autostack service install`; run it again to change this file.
[Unit]
Description=AutoStack: dashboard, API, builds and the edge of deployments
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
User={spec.user}
Environment={quote(f"AUTOSTACK_DATA_DIR={spec.data_dir}")}
Environment=AUTOSTACK_KEEP_APPS_RUNNING=1
EnvironmentFile=-{quote(str(spec.env_file))}
ExecStart={command}
Restart=on-failure
RestartSec=5
# Only the control plane stops: apps and Caddy keep serving and are re-adopted at start.
KillMode=process
TimeoutStopSec=60
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"""


def unit_path(unit_dir: Path, name: str = NAME) -> Path:
    return unit_dir / f"{name}.service"


def write_env_file(path: Path, name: str = NAME) -> bool:
    """Create the environment file (mode 0600: it holds secrets) unless it exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(ENV_FILE_TEXT.format(name=name), encoding="utf-8")
    return True


def systemd_running() -> bool:
    """Whether systemd manages this machine (its documented test, sd_booted)."""
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def unit_state(name: str = NAME) -> dict[str, str]:
    """``systemctl show``'s state properties of the unit (systemd must be running)."""
    result = subprocess.run(
        ["systemctl", "show", f"{name}.service", "--property", ",".join(STATE_PROPERTIES)],
        capture_output=True, text=True, timeout=30, check=False)
    pairs = (line.partition("=") for line in result.stdout.splitlines())
    return {key: value for key, _, value in pairs if key}
