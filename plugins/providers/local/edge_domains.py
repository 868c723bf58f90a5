"""Custom domains at the local edge: hostname redirects and HTTPS markers, files only.

The edge's state (:class:`.edge_state.EdgeState`) names which hostnames
redirect where and which have a certificate; these functions make the files
Caddy reads (:mod:`autostack_plugins.providers.local.edge_tls`) equal to it:
``<data>/edge/redirects/<hostname>/<status>-<target>`` and
``<data>/edge/https/<hostname>``. A new file is written before the stale one
goes, so a request always finds one; nothing reloads Caddy.
"""

from __future__ import annotations

import contextlib
import shutil

from autostack_core.config import Settings
from autostack_plugins.providers.local.edge_state import EdgeState


def write_redirect(settings: Settings, hostname: str, name: str) -> None:
    """``hostname`` redirects as the file ``name`` says; the new file first, then the stale."""
    folder = settings.path("edge", "redirects", hostname)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).touch()
    for stale in folder.iterdir():
        if stale.name != name:
            stale.unlink()


def remove_redirect(settings: Settings, hostname: str) -> None:
    shutil.rmtree(settings.path("edge", "redirects", hostname), ignore_errors=True)


def write_https_marker(settings: Settings, hostname: str, enabled: bool) -> None:
    """Whether plain HTTP requests for ``hostname`` redirect to HTTPS."""
    marker = settings.path("edge", "https", hostname)
    if enabled:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    else:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


def write_domain_markers(settings: Settings, state: EdgeState) -> None:
    """Make the redirect and HTTPS marker files equal to ``state`` (start-up, after a crash)."""
    for name in ("redirects", "https"):
        settings.path("edge", name).mkdir(parents=True, exist_ok=True)
    for folder in settings.path("edge", "redirects").iterdir():
        if folder.name not in state.redirects:
            shutil.rmtree(folder, ignore_errors=True)
    for hostname, name in state.redirects.items():
        write_redirect(settings, hostname, name)
    for marker in settings.path("edge", "https").iterdir():
        if marker.name not in state.https:
            marker.unlink()
    for hostname in state.https:
        write_https_marker(settings, hostname, True)
