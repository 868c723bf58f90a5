"""What ``autostack doctor`` prints: one :class:`Check` per thing a server needs.

The core checks what it needs itself (Python, git, the build sandbox, the
database, Redis); plugins add theirs through the ``doctor_checks`` hook (the
local provider checks Caddy, the apps' sandbox and the wildcard certificate).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass


@dataclass
class Check:
    """One line of ``autostack doctor``: a short ``name``, whether it is ``ok``, and why.

    ``detail`` says what was found (a version, a state); ``remedy``, shown
    under a failing check, says how to fix it, as a command when there is one.
    """

    name: str
    ok: bool
    detail: str
    remedy: str = ""


def tool_version(command: list[str]) -> str | None:
    """The first line ``command`` prints (``["git", "--version"]``), or None when it fails."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = (result.stdout or result.stderr).strip().splitlines()
    return output[0] if result.returncode == 0 and output else None
