"""Amazon Route53 through boto3 (the ``aws`` extra): a team connects one hosted zone.

Config: ``hosted_zone_id``, ``access_key_id`` and ``secret_access_key``, and
optionally ``region`` (Route53 is global; it only scopes the signature,
``us-east-1`` by default) and ``endpoint_url``, an http(s) URL of a
Route53-compatible API (the tests point it at moto's server). The server
would send requests there for a team admin, so only the URLs its operator
lists in ``AUTOSTACK_DNS_ENDPOINT_URLS`` are accepted. boto3 blocks,
so every call runs in a thread, and it is imported only when a zone is used:
the plugin loads without the extra.

``upsert`` returns once Route53 reports the change ``INSYNC`` (GetChange,
polled for at most ``sync_seconds``). ``delete`` removes a record set only if
it still holds the values given, so a record someone changed since is theirs.
Errors are :class:`Route53Error`, whose ``field`` names the config field to fix.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import threading
import time
from collections.abc import Collection, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click

from autostack_core import hookimpl
from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.options import emit, group_at, json_option, team_option, team_slug
from autostack_core.config import Settings
from autostack_core.interfaces import DnsRecordSet

FIELDS = ("hosted_zone_id", "access_key_id", "secret_access_key", "region", "endpoint_url")
REQUIRED = ("hosted_zone_id", "access_key_id", "secret_access_key")
LABELS = {
    "hosted_zone_id": "Hosted zone ID",
    "access_key_id": "Access key ID",
    "secret_access_key": "Secret access key",
    "region": "Region (optional)",
    "endpoint_url": "Endpoint URL (optional, for a Route53-compatible API)",
}
SECRET_FIELDS = ("secret_access_key",)
DEFAULT_REGION = "us-east-1"
SYNC_SECONDS = 90.0
POLL_SECONDS = 2.0

ZONE_ID = re.compile(r"^[A-Z0-9]{1,32}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")

# AWS error codes, the config field each one points at, and what to tell the user.
CLIENT_ERRORS: dict[str, tuple[str, str]] = {
    "InvalidClientTokenId": ("access_key_id", "AWS does not know this access key ID"),
    "UnrecognizedClientException": ("access_key_id", "AWS does not know this access key ID"),
    "SignatureDoesNotMatch": ("secret_access_key",
                              "the secret access key does not belong to this access key ID"),
    "IncompleteSignature": ("secret_access_key",
                            "the secret access key does not belong to this access key ID"),
    "AccessDenied": ("access_key_id", "these credentials may not change this hosted zone "
                                      "(allow route53:GetHostedZone, GetChange, "
                                      "ListResourceRecordSets and ChangeResourceRecordSets)"),
    "NoSuchHostedZone": ("hosted_zone_id", "there is no hosted zone with this ID"),
}


class Route53Error(Exception):
    """A Route53 failure said for people; ``field`` is the config field to fix, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Route53Config:
    hosted_zone_id: str
    access_key_id: str
    secret_access_key: str
    region: str
    endpoint_url: str | None


def parse_config(config: Mapping[str, str],
                 allowed_endpoints: Collection[str] = ()) -> Route53Config:
    """The checked config; a :class:`Route53Error` names the first wrong field."""
    values = {name: str(config.get(name) or "").strip() for name in FIELDS}
    for name in REQUIRED:
        if not values[name]:
            raise Route53Error(f"{LABELS[name].lower()} is required", name)
    zone_id = values["hosted_zone_id"].removeprefix("/hostedzone/")
    if not ZONE_ID.match(zone_id):
        raise Route53Error("a hosted zone ID looks like Z0123456789ABCDEFGHIJ (letters and "
                           "digits, from the Route53 console)", "hosted_zone_id")
    region = values["region"] or DEFAULT_REGION
    if not REGION.match(region):
        raise Route53Error(f"{region!r} is not an AWS region, like us-east-1", "region")
    endpoint = values["endpoint_url"] or None
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Route53Error("use an http:// or https:// URL, or leave it empty for AWS",
                               "endpoint_url")
        if endpoint.rstrip("/") not in {url.rstrip("/") for url in allowed_endpoints}:
            raise Route53Error("this server only talks to AWS itself; its operator can allow "
                               "another endpoint in AUTOSTACK_DNS_ENDPOINT_URLS", "endpoint_url")
    return Route53Config(zone_id, values["access_key_id"], values["secret_access_key"], region,
                         endpoint)


def rdata(record_type: str, value: str) -> str:
    """A value as Route53 writes it: TXT quoted, names without their final dot."""
    if record_type == "TXT":
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return value


def comparable(record_type: str, value: str) -> str:
    """A value as read back from Route53, comparable with what :func:`rdata` was given."""
    if record_type == "TXT":
        inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        return inner.replace('\\"', '"').replace("\\\\", "\\")
    if record_type in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    return value.rstrip(".").lower()


class Route53Zone:
    """One hosted zone, changed with the credentials it was connected with."""

    def __init__(self, config: Route53Config, sync_seconds: float, poll_seconds: float) -> None:
        self.config = config
        self.sync_seconds = sync_seconds
        self.poll_seconds = poll_seconds
        self._client: Any = None
        self._lock = threading.Lock()

    def _route53(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    import boto3
                    from botocore.config import Config
                except ImportError as error:
                    raise Route53Error("the route53 DNS host needs boto3: "
                                       "pip install 'autostack[aws]'") from error
                self._client = boto3.client(
                    "route53", region_name=self.config.region,
                    endpoint_url=self.config.endpoint_url,
                    aws_access_key_id=self.config.access_key_id,
                    aws_secret_access_key=self.config.secret_access_key,
                    config=Config(connect_timeout=5, read_timeout=20,
                                  retries={"max_attempts": 3, "mode": "standard"}))
            return self._client

    def _call(self, operation: str, **arguments: Any) -> Any:
        """Run one Route53 operation (in a worker thread), its errors said for people."""
        client = self._route53()
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

        try:
            return getattr(client, operation)(**arguments)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in CLIENT_ERRORS:
                field, message = CLIENT_ERRORS[code]
                raise Route53Error(message, field) from error
            if status == 403:
                raise Route53Error("AWS refused these credentials (HTTP 403): check the access "
                                   "key ID and the secret access key", "access_key_id") from error
            detail = error.response.get("Error", {}).get("Message") or code or status
            raise Route53Error(f"Route53 {operation} failed: {detail}") from error
        except EndpointConnectionError as error:
            where = self.config.endpoint_url or "Route53"
            raise Route53Error(f"cannot reach {where}: {error}", "endpoint_url") from error
        except BotoCoreError as error:
            raise Route53Error(f"Route53 {operation} failed: {error}") from error

    async def _run(self, operation: str, **arguments: Any) -> Any:
        return await asyncio.to_thread(self._call, operation, **arguments)

    async def zone_name(self) -> str:
        answer = await self._run("get_hosted_zone", Id=self.config.hosted_zone_id)
        return str(answer["HostedZone"]["Name"]).rstrip(".").lower()

    async def _change(self, action: str, record_set: dict[str, Any]) -> None:
        """Submit one change, then wait until Route53 has applied it everywhere."""
        answer = await self._run(
            "change_resource_record_sets", HostedZoneId=self.config.hosted_zone_id,
            ChangeBatch={"Comment": "AutoStack custom domain",
                         "Changes": [{"Action": action, "ResourceRecordSet": record_set}]})
        change = answer["ChangeInfo"]
        deadline = time.monotonic() + self.sync_seconds
        while change["Status"] != "INSYNC":
            if time.monotonic() >= deadline:
                raise Route53Error(f"Route53 accepted change {change['Id']} but it was not in "
                                   f"sync after {self.sync_seconds:g} s")
            await asyncio.sleep(self.poll_seconds)
            change = (await self._run("get_change", Id=change["Id"]))["ChangeInfo"]

    async def upsert(self, record: DnsRecordSet) -> None:
        await self._change("UPSERT", {
            "Name": record.name, "Type": record.type, "TTL": record.ttl,
            "ResourceRecords": [{"Value": rdata(record.type, value)} for value in record.values],
        })

    async def _current(self, name: str, record_type: str) -> dict[str, Any] | None:
        answer = await self._run(
            "list_resource_record_sets", HostedZoneId=self.config.hosted_zone_id,
            StartRecordName=name, StartRecordType=record_type, MaxItems="1")
        for found in answer["ResourceRecordSets"]:
            if (str(found["Name"]).rstrip(".").lower() == name.rstrip(".").lower()
                    and found["Type"] == record_type):
                return dict(found)
        return None

    async def delete(self, record: DnsRecordSet) -> None:
        found = await self._current(record.name, record.type)
        if found is None or "ResourceRecords" not in found:
            return
        values = {comparable(record.type, item["Value"]) for item in found["ResourceRecords"]}
        if values != {comparable(record.type, rdata(record.type, value))
                      for value in record.values}:
            return
        await self._change("DELETE", found)


class Route53Host:
    name = "route53"
    fields = FIELDS
    labels = LABELS
    secret_fields = SECRET_FIELDS

    def __init__(self, allowed_endpoints: Collection[str] = (),
                 sync_seconds: float = SYNC_SECONDS, poll_seconds: float = POLL_SECONDS) -> None:
        self.allowed_endpoints = allowed_endpoints
        self.sync_seconds = sync_seconds
        self.poll_seconds = poll_seconds

    def connect(self, config: Mapping[str, str]) -> Route53Zone:
        return Route53Zone(parse_config(config, self.allowed_endpoints), self.sync_seconds,
                           self.poll_seconds)


@hookimpl
def register_dns_hosts(settings: Settings) -> list[Route53Host]:
    return [Route53Host(allowed_endpoints=settings.dns_endpoint_urls)]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``autostack dns connect route53``: connect a hosted zone from the command line."""

    @group_at(cli, "dns", "connect").command(name="route53")
    @click.option("--zone-id", required=True, help="Route53 hosted zone ID (Z0123...)")
    @click.option("--access-key-id", required=True, help="AWS access key ID")
    @click.option("--secret-access-key", prompt=True, hide_input=True,
                  help="AWS secret access key [prompted]")
    @click.option("--region", default=None, help=f"AWS region used to sign [{DEFAULT_REGION}]")
    @click.option("--endpoint-url", default=None, help="A Route53-compatible API instead of AWS")
    @team_option
    @json_option
    def connect_route53(zone_id: str, access_key_id: str, secret_access_key: str,
                        region: str | None, endpoint_url: str | None, team: str | None,
                        as_json: bool) -> None:
        """Connect a Route53 hosted zone: AutoStack checks it can read the zone first."""
        with closing(ApiClient()) as client:
            slug = team_slug(client, team)
            result = client.post(f"/api/v1/teams/{slug}/dns-zones", {
                "dns_host": "route53", "config": {
                    "hosted_zone_id": zone_id, "access_key_id": access_key_id,
                    "secret_access_key": secret_access_key, "region": region,
                    "endpoint_url": endpoint_url}})
        zone = result["zone"]
        emit(as_json, result, f"Connected {zone['zone']} (id {zone['id']}): domains added in "
                              "it get their DNS records automatically.")
