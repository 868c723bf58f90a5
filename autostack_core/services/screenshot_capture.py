"""One screenshot of a URL with headless Chromium, inside bubblewrap, time-limited.

Chromium runs with a fresh profile in a private ``/tmp`` and sees the
read-only system the build and run sandboxes see
(:func:`~autostack_core.build.sandbox_layout.system_layout`, the private
files of ``/etc`` hidden) plus one writable folder for its PNG: nothing of
the data directory, its keys or database. It keeps the host's network, since
the page is fetched through the edge on the loopback, as a visitor would; but
its resolver knows one name, the deployment's own (``--host-resolver-rules``
maps every other name and every IP literal to "not found"), so a page cannot
make it request the control plane, Redis or another site: assets from other
hosts are missing from its screenshot.
Chromium's own sandbox needs user namespaces bubblewrap has already used, so
it runs with ``--no-sandbox`` inside bubblewrap's (as the browser tests do),
without capabilities, and, when the server runs as root and util-linux's
``setpriv`` is there, as ``nobody`` with ``no_new_privs`` (as the local
runtime runs apps).
Without bubblewrap no screenshot is taken unless unsandboxed builds are
allowed (``AUTOSTACK_ALLOW_UNSANDBOXED=1``), the same rule builds follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from autostack_core.build.sandbox_layout import system_layout

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
WIDTH, HEIGHT = 1280, 800
TIMEOUT_SECONDS = 30.0
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--no-default-browser-check",
    f"--window-size={WIDTH},{HEIGHT}",
)
OUT = "/out"
NOBODY = 65534
_HOSTNAME = re.compile(r"[a-z0-9.-]{1,253}")


class ScreenshotError(Exception):
    """No screenshot could be taken; the message says why."""


def find_chromium() -> str | None:
    """The path of a Chromium (Debian's ``chromium``) on ``PATH``, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable_reason(allow_unsandboxed: bool) -> str | None:
    """Why screenshots cannot be taken here (None when they can)."""
    if find_chromium() is None:
        return ("Chromium is not installed (sudo apt-get install -y chromium): "
                "thumbnails show the project's initial")
    if shutil.which("bwrap") is None and not allow_unsandboxed:
        return ("bubblewrap is not installed and Chromium never runs unsandboxed by default: "
                "thumbnails show the project's initial")
    return None


def only_host(url: str) -> str:
    """The flag that lets Chromium resolve ``url``'s hostname and nothing else."""
    hostname = (urlsplit(url).hostname or "").lower()
    if not _HOSTNAME.fullmatch(hostname):
        raise ScreenshotError(f"not a hostname to take a screenshot of: {hostname!r}")
    return f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {hostname}"


def command(chromium: str, url: str, out_dir: Path, bwrap: str | None) -> list[str]:
    """The argv taking a screenshot of ``url`` into ``out_dir/shot.png``."""
    flags = [*CHROMIUM_FLAGS, only_host(url)]
    if bwrap is None:
        return [chromium, *flags, f"--user-data-dir={out_dir / 'profile'}",
                f"--screenshot={out_dir / 'shot.png'}", url]
    caps, prefix = unprivileged(out_dir)
    return [bwrap, *system_layout(), "--bind", str(out_dir), OUT,
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
            "--new-session", *caps, "--clearenv", "--setenv", "HOME", "/tmp",
            "--setenv", "PATH", "/usr/bin:/bin", "--chdir", "/tmp",
            *prefix, chromium, *flags, "--user-data-dir=/tmp/profile",
            f"--screenshot={OUT}/shot.png", url]


def unprivileged(out_dir: Path) -> tuple[list[str], list[str]]:
    """bubblewrap's capability flags and the command's prefix: ``nobody`` when root can
    switch to it (``out_dir`` then becomes nobody's), else no capabilities at all."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return ["--cap-drop", "ALL"], []
    os.chown(out_dir, NOBODY, NOBODY)
    return (["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
             "--cap-add", "CAP_SETPCAP"],
            [setpriv, "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
             "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"])


async def capture(url: str, allow_unsandboxed: bool = False,
                  timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The PNG of ``url`` at 1280x800; :class:`ScreenshotError` when none was taken."""
    reason = unavailable_reason(allow_unsandboxed)
    chromium = find_chromium()
    if reason is not None or chromium is None:
        raise ScreenshotError(reason or "Chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="autostack-shot-") as folder:
        out_dir = Path(folder)
        process = await asyncio.create_subprocess_exec(
            *command(chromium, url, out_dir, shutil.which("bwrap")),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError as error:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise ScreenshotError(f"Chromium took longer than {timeout:.0f} s") from error
        shot = out_dir / "shot.png"
        if process.returncode != 0 or not shot.is_file():
            last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ScreenshotError(f"Chromium exited with {process.returncode}: {last[0][:300]}")
        return shot.read_bytes()
