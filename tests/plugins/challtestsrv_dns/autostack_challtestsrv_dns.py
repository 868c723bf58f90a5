"""A DNS host writing TXT records through pebble-challtestsrv's management API.

For the wildcard certificate tests: pebble resolves ``_acme-challenge``
names through that DNS server, so DNS-01 is validated for real. The
provider's config:

* ``management_url``: challtestsrv's management API (``http://127.0.0.1:PORT``);
* ``zone``: the zone's apex;
* ``fail_flag`` (optional): while this file exists, ``upsert`` is refused, as
  a provider with revoked credentials would refuse it.

The plugin also appends every event it is notified of, as a JSON line, to
the file named by ``AUTOSTACK_TEST_EVENTS`` when that is set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from autostack_core import hookimpl
from autostack_core.interfaces import DnsRecordSet, Event


class ChallTestSrvZone:
    def __init__(self, config: Mapping[str, str]) -> None:
        self.management_url = config["management_url"].rstrip("/")
        self.zone = config["zone"]
        self.fail_flag = config.get("fail_flag")

    async def zone_name(self) -> str:
        return self.zone

    async def _post(self, path: str, body: dict[str, str]) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            response = await http.post(f"{self.management_url}{path}", json=body)
            response.raise_for_status()

    async def upsert(self, record: DnsRecordSet) -> None:
        if self.fail_flag and Path(self.fail_flag).exists():
            raise PermissionError(f"challtestsrv: changing {record.name} is not allowed")
        if record.type != "TXT":
            raise ValueError(f"challtestsrv: only TXT records, not {record.type}")
        # set-txt adds a value: clear first, so the record set is exactly ``values``.
        await self._post("/clear-txt", {"host": f"{record.name}."})
        for value in record.values:
            await self._post("/set-txt", {"host": f"{record.name}.", "value": value})

    async def delete(self, record: DnsRecordSet) -> None:
        await self._post("/clear-txt", {"host": f"{record.name}."})


class ChallTestSrvHost:
    name = "challtestsrv"
    fields = ("management_url", "zone", "fail_flag")

    def connect(self, config: Mapping[str, str]) -> ChallTestSrvZone:
        return ChallTestSrvZone(config)


@hookimpl
def register_dns_hosts(settings: Any) -> list[ChallTestSrvHost]:
    return [ChallTestSrvHost()]


@hookimpl
def notify(event: Event) -> None:
    path = os.environ.get("AUTOSTACK_TEST_EVENTS")
    if path:
        with open(path, "a", encoding="utf-8") as events:
            events.write(json.dumps(asdict(event)) + "\n")
