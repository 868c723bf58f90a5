"""What ``autostack up`` and ``autostack worker`` check before starting: the build sandbox.

A server started without bubblewrap fails every build later, on the first
deploy, and without slirp4netns builds reach the host's loopback (database,
Redis). Someone who has just run ``pip install autostack`` learns it best at
start-up, with the command that installs what is missing, as ``autostack
doctor`` words it. ``AUTOSTACK_ALLOW_UNSANDBOXED=1`` is the explicit way past.
"""

from __future__ import annotations

from autostack_core.config import Settings
from autostack_core.interfaces.checks import Check
from autostack_core.services.doctor import check_bubblewrap, check_build_network

PACKAGES = {"bubblewrap": "bubblewrap", "build net": "slirp4netns"}


class SandboxMissing(Exception):
    """Start-up stops: the report says what is missing and how to install it."""


def sandbox_problems(settings: Settings) -> list[Check]:
    """The failed sandbox checks, none when running unsandboxed is allowed."""
    if settings.allow_unsandboxed:
        return []
    return [check for check in (check_bubblewrap(), check_build_network()) if not check.ok]


def require_sandbox(settings: Settings) -> None:
    """Raise :class:`SandboxMissing` naming the fix when builds could not be sandboxed."""
    problems = sandbox_problems(settings)
    if not problems:
        return
    lines = ["builds cannot run in their sandbox:"]
    for check in problems:
        lines += [f"  {check.name}: {check.detail}", f"    fix: {check.remedy}"]
    missing = [PACKAGES[check.name] for check in problems if "not found" in check.detail]
    if missing:
        lines.append(f"install with: sudo apt-get install -y {' '.join(missing)}")
    lines.append("or start with AUTOSTACK_ALLOW_UNSANDBOXED=1 to build without a sandbox, "
                 "at your own risk (`autostack doctor` checks everything)")
    raise SandboxMissing("\n".join(lines))
