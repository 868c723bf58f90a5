"""DNS zones a team connects, so AutoStack writes its custom domains' records itself.

A zone is connected through a DNS host plugin (``register_dns_hosts``)
with the values of the DNS host's ``fields``, kept sealed in one JSON object
(:class:`~autostack_core.infrastructure.models.ConnectedZone`) that never leaves the server.
The DNS host must first answer ``zone_name()`` with them, so a wrong key is a
422 at once, not a zone that fails later. A DNS host says which field is wrong
by raising an exception with a ``field`` attribute naming it.

When a domain is added in a connected zone, a queue task (a DNS host may take
a minute to apply a change) runs :func:`write_records`, which creates the
TXT proof and the routing record (A/AAAA to ``AUTOSTACK_PUBLIC_IPS``, else a
CNAME to the base domain); :func:`delete_records` removes them with the
domain. A failure is stored on the domain, never raised. Ownership is still
proven through public DNS (:mod:`autostack_plugins.domains.ownership`): a zone in
someone's DNS host account says nothing about who the domain is delegated to.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from tortoise.exceptions import IntegrityError

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models.domains import ConnectedZone, Domain
from autostack_core.interfaces import DnsHost, DnsRecordSet, DnsZone
from autostack_core.services import audit

from . import ownership

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Team

logger = logging.getLogger("autostack.dns_zones")

RECORD_TTL = 60
MAX_VALUE_LENGTH = 2000


class RecordsUnknown(Exception):
    """The routing record cannot be chosen (an apex, and no public IPs configured)."""


# ---------------------------------------------------------------------------
# Connecting
# ---------------------------------------------------------------------------


def host_for(app: AutoStack, name: str) -> DnsHost:
    host = app.dns_hosts.get(name)
    if host is None:
        known = ", ".join(sorted(app.dns_hosts)) or "none is installed"
        raise ApiError(422, f"dns_host: no DNS host called {name!r} ({known})", "dns_host")
    return host


def describe_hosts(app: AutoStack) -> list[dict[str, Any]]:
    """Each host with its fields, their labels and which are secret, for forms and the API.

    ``labels`` and ``secret_fields`` are optional host attributes.
    """
    described = []
    for host in sorted(app.dns_hosts.values(), key=lambda host: host.name):
        labels: Mapping[str, str] = getattr(host, "labels", {})
        secret: tuple[str, ...] = tuple(getattr(host, "secret_fields", ()))
        described.append({"name": host.name, "fields": [
            {"name": field, "label": labels.get(field, field.replace("_", " ").capitalize()),
             "secret": field in secret} for field in host.fields]})
    return described


def rejected(host: DnsHost, error: Exception) -> ApiError:
    """The DNS host's refusal as a 422 naming the field it blames, when it names one."""
    field = getattr(error, "field", None)
    if field in host.fields:
        return ApiError(422, f"{field}: {error}", field)
    return ApiError(422, f"{host.name}: {error}", "dns_host")


def open_zone(host: DnsHost, zone: ConnectedZone) -> DnsZone:
    return host.connect(json.loads(zone.config_json or "{}"))


async def connect(app: AutoStack, team: Team, host_name: str,
                  config: Mapping[str, str | None]) -> ConnectedZone:
    """Store a zone once its host has read it with ``config``; 409 if the team has it."""
    host = host_for(app, host_name)
    unknown = sorted(set(config) - set(host.fields))
    if unknown:
        raise ApiError(422, f"{unknown[0]}: not a field of {host.name} (its fields: "
                            f"{', '.join(host.fields)})", unknown[0])
    values = {name: str(value).strip() for name, value in config.items()
              if value is not None and str(value).strip()}
    for name, value in values.items():
        if len(value) > MAX_VALUE_LENGTH:
            raise ApiError(422, f"{name}: at most {MAX_VALUE_LENGTH} characters", name)
    try:
        name = (await host.connect(values).zone_name()).rstrip(".").lower()
    except Exception as error:
        raise rejected(host, error) from error
    if await ConnectedZone.exists(team=team, zone_name=name):
        raise ApiError(409, f"zone: {name} is already connected to this team", "zone")
    zone = ConnectedZone(team=team, provider=host.name, zone_name=name)
    zone.config_json = json.dumps(values)
    try:
        await zone.save()
    except IntegrityError as error:
        raise ApiError(409, f"zone: {name} is already connected to this team", "zone") from error
    await audit.record("dns_zone.connected", team=team, target=("dns_zone", str(zone.id)),
                       after={"dns_host": host.name, "zone": name, "credentials": values})
    return zone


async def find(team: Team, zone_id: int | str) -> ConnectedZone:
    zone = None
    if str(zone_id).isdigit():
        zone = await ConnectedZone.get_or_none(team=team, id=int(zone_id))
    if zone is None:
        raise NotFound("zone", "id")
    return zone


async def team_zones(team: Team) -> list[ConnectedZone]:
    return await ConnectedZone.filter(team=team).order_by("zone_name")


async def disconnect(zone: ConnectedZone) -> None:
    """Forget the zone and its credentials; records already written stay in it."""
    await zone.delete()
    await audit.record("dns_zone.disconnected", team=zone.team_id,  # type: ignore[attr-defined]
                       target=("dns_zone", str(zone.id)),
                       before={"dns_host": zone.provider, "zone": zone.zone_name,
                               "credentials": "sealed"})


def covers(zone_name: str, domain: str) -> bool:
    """Whether ``domain`` lies in ``zone_name``: the apex, or below it on a label boundary."""
    return domain == zone_name or domain.endswith(f".{zone_name}")


async def covering(team_id: int, domain: str) -> ConnectedZone | None:
    """The team's connected zone holding ``domain``: the longest matching one."""
    matches = [zone for zone in await ConnectedZone.filter(team_id=team_id)
               if covers(zone.zone_name, domain)]
    return max(matches, key=lambda zone: len(zone.zone_name), default=None)


def zone_json(zone: ConnectedZone) -> dict[str, Any]:
    """The API's view of a zone: never its config (it holds the credentials)."""
    return {"id": zone.id, "dns_host": zone.provider, "zone": zone.zone_name,
            "created_at": zone.created_at.isoformat()}


# ---------------------------------------------------------------------------
# A domain's records
# ---------------------------------------------------------------------------


def routing_records(settings: Settings, domain: str, apex: bool) -> list[DnsRecordSet]:
    """A/AAAA to the public IPs, else a CNAME to the base domain (never at an apex)."""
    v4 = tuple(ownership.family(settings.public_ips, 4))
    v6 = tuple(ownership.family(settings.public_ips, 6))
    if v4 or v6:
        return [DnsRecordSet(domain, kind, values, RECORD_TTL)
                for kind, values in (("A", v4), ("AAAA", v6)) if values]
    if apex:
        raise RecordsUnknown(f"{domain} is the zone's apex, which cannot be a CNAME, and the "
                             "server has no public IPs configured (AUTOSTACK_PUBLIC_IPS) for "
                             "A/AAAA records: create them yourself, or configure the IPs")
    return [DnsRecordSet(domain, "CNAME", (settings.base_domain,), RECORD_TTL)]


def records_for(settings: Settings, domain: Domain,
                zone_name: str) -> tuple[list[DnsRecordSet], str | None]:
    """The TXT proof and the routing records, and why routing records are missing if they are."""
    txt = DnsRecordSet(ownership.challenge_name(domain.domain_name), "TXT",
                       (domain.verification_token,), RECORD_TTL)
    try:
        routing = routing_records(settings, domain.domain_name, domain.domain_name == zone_name)
    except RecordsUnknown as error:
        return [txt], str(error)
    return [txt, *routing], None


def say(error: BaseException) -> str:
    return str(error) or type(error).__name__


async def change_records(app: AutoStack, zone: ConnectedZone, records: list[DnsRecordSet],
                         action: Literal["upsert", "delete"]) -> list[str]:
    """``upsert`` or ``delete`` every record in ``zone`` at once; what failed, said."""
    try:
        handle = open_zone(host_for(app, zone.provider), zone)
        results = await asyncio.gather(*(getattr(handle, action)(record) for record in records),
                                       return_exceptions=True)
    except Exception as error:
        results = [error]
    failures = []
    for record, result in zip(records, results, strict=False):
        if isinstance(result, BaseException):
            logger.warning("%s of %s %s in %s failed: %s", action, record.type, record.name,
                           zone.zone_name, say(result))
            failures.append(f"{record.type} {record.name}: {say(result)}")
    return failures


async def write_records(app: AutoStack, domain: Domain) -> bool:
    """Create ``domain``'s records in its zone (:func:`covering`, when it was added); whether
    it has one.

    What failed is saved in ``domain.dns_zone_error`` (None when all was written).
    """
    zone = await ConnectedZone.get_or_none(id=domain.dns_zone_id)  # type: ignore[attr-defined]
    if zone is None:
        return False
    records, problem = records_for(app.settings, domain, zone.zone_name)
    errors = [problem] if problem else []
    errors += await change_records(app, zone, records, "upsert")
    domain.dns_zone_error = "; ".join(errors) or None
    await domain.save(update_fields=["dns_zone_error"])
    return True


async def delete_records(app: AutoStack, domain: Domain) -> None:
    """Delete the records :func:`write_records` made (those still holding our values)."""
    zone = await ConnectedZone.get_or_none(id=domain.dns_zone_id)  # type: ignore[attr-defined]
    if zone is None:
        return
    records, _ = records_for(app.settings, domain, zone.zone_name)
    await change_records(app, zone, records, "delete")


async def domain_zone_json(domain: Domain) -> dict[str, Any] | None:
    """Where AutoStack wrote the domain's records, and what failed; None if it did not."""
    zone_id = domain.dns_zone_id  # type: ignore[attr-defined]
    zone = await ConnectedZone.get_or_none(id=zone_id) if zone_id else None
    if zone is None:
        return None
    return {"id": zone.id, "dns_host": zone.provider, "zone": zone.zone_name,
            "error": domain.dns_zone_error}
