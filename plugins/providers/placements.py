"""Where a cloud runtime put each release, kept across restarts of the control plane.

A cloud runtime (Cloud Run, ACI) reaches a release through the settings it was
deployed with (the team's project or subscription, region, key) and the name of
the resource it made. Kept only in memory, that was lost at every restart: the
release's status read ``absent`` and the usage meter read nothing until the next
deployment or alias move deployed it again. So each placement is also a file,
``<data dir>/deployments/<release id>/<runtime>.json`` (mode 0600), holding the
resource's name and the settings sealed with the server's keyring (they hold
the team's key), read back the first time a restarted server asks.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from autostack_core.config import Settings
from autostack_core.security.sealing import DecryptionError, active_keyring
from autostack_core.utils import write_private

Placement = tuple[dict[str, str], str]
"""The settings a release was deployed with, and its resource's full name."""


class Placements:
    """Each release's :data:`Placement` for one runtime: in memory, and in its state file."""

    def __init__(self, settings: Settings, runtime: str) -> None:
        self.settings = settings
        self.runtime = runtime
        self._known: dict[str, Placement] = {}
        self._lock = threading.Lock()

    def _file(self, release_id: str) -> Path:
        return self.settings.path("deployments", release_id, f"{self.runtime}.json")

    def _context(self, release_id: str) -> str:
        return f"{self.runtime} placement {release_id}"

    def __setitem__(self, release_id: str, placement: Placement) -> None:
        """Remember where the release is, on disk first (what a restart reads)."""
        values, name = placement
        sealed = active_keyring().seal(json.dumps(values), self._context(release_id))
        write_private(self._file(release_id), json.dumps({"name": name, "config": sealed}))
        with self._lock:
            self._known[release_id] = (dict(values), name)

    def get(self, release_id: str) -> Placement | None:
        """Where the release is, or None when this runtime never placed it (or forgot it).
        A file that cannot be read back (another server's keys) counts as not placed."""
        with self._lock:
            if release_id in self._known:
                return self._known[release_id]
        path = self._file(release_id)
        if not path.is_file():
            return None
        try:
            saved = json.loads(path.read_text())
            values = json.loads(active_keyring().open(saved["config"],
                                                      self._context(release_id)))
            placement: Placement = ({str(k): str(v) for k, v in values.items()},
                                    str(saved["name"]))
        except (ValueError, KeyError, TypeError, DecryptionError):
            return None
        with self._lock:
            self._known[release_id] = placement
        return placement

    def pop(self, release_id: str) -> Placement | None:
        """Forget the release (destroyed); where it was, if known."""
        placement = self.get(release_id)
        self._file(release_id).unlink(missing_ok=True)
        with self._lock:
            self._known.pop(release_id, None)
        return placement
