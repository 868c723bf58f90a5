"""A request's country from its address, offline: geoip2fast's database, shipped in its package.

No lookup ever leaves the machine: geoip2fast reads its own gzip'd tables
(IPv4 and IPv6, about 2 MB, 0.5 s and 50 MB of memory to load) and answers
a lookup in about 10 microseconds. The database loads once per process, on
first use, in the process that reads the edge's log (:func:`load` from a
thread, so the event loop never waits for it). geoip2fast's updater, which
downloads a newer file, is never called; a newer database comes with a newer
package.

Loopback, private, reserved and unknown addresses have no country:
:data:`UNKNOWN`.
"""

from __future__ import annotations

import threading
from typing import Any

from autostack_core.services.country_names import NAMES

UNKNOWN = "unknown"
"""The key of requests from addresses with no country (loopback, private, not listed)."""
DATA_FILE = "geoip2fast-ipv6.dat.gz"
"""geoip2fast's country database with IPv6 (its default file has IPv4 only)."""

_lock = threading.Lock()
_database: Any = None


def load() -> None:
    """Load the database (once per process; later calls return at once)."""
    global _database
    if _database is not None:
        return
    with _lock:
        if _database is None:
            from geoip2fast import GeoIP2Fast

            _database = GeoIP2Fast(geoip2fast_data_file=DATA_FILE, verbose=False)


def country_of(address: str) -> str:
    """The ISO 3166-1 alpha-2 code of ``address``'s country, or :data:`UNKNOWN`."""
    if not address:
        return UNKNOWN
    load()
    code = getattr(_database.lookup(address), "country_code", "")
    return code if isinstance(code, str) and code in NAMES else UNKNOWN


def country_name(code: str) -> str:
    """The English name of country ``code`` (``"Unknown"`` for :data:`UNKNOWN`)."""
    return NAMES.get(code, "Unknown")
