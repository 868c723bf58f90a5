"""Cloud Run Admin API v2 calls with the official ``google-cloud-run`` client.

The REST transport (``transport="rest"``; the API endpoint from the settings'
``api_endpoint``, else Google's), a service account key's credentials (else
the server's Application Default Credentials, for the server's own settings
only). The client is synchronous: the runtime calls these in a thread. Messages
come back as plain dicts (proto field names, enum names).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import NotFound
from google.cloud import run_v2

from autostack_core.interfaces.runtime import ReleaseStatus

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
REVISION = run_v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION
OPERATION_SECONDS = 300

_clients: dict[tuple[str, str], Any] = {}


class CloudRunError(Exception):
    """Cloud Run refused a change; the message says why."""


def _credentials(values: Mapping[str, str]) -> Any:
    if values.get("service_account_key"):
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            json.loads(values["service_account_key"]), scopes=SCOPES
        )
    import google.auth

    return google.auth.default(scopes=SCOPES)[0]


def client(values: Mapping[str, str], kind: str = "services") -> Any:
    """A services or revisions client for these settings (one per settings and kind)."""
    key = (json.dumps(sorted(values.items())), kind)
    if key not in _clients:
        options = (
            ClientOptions(api_endpoint=values["api_endpoint"])
            if values.get("api_endpoint")
            else None
        )
        make = run_v2.ServicesClient if kind == "services" else run_v2.RevisionsClient
        _clients[key] = make(
            credentials=_credentials(values), transport="rest", client_options=options
        )
    return _clients[key]


def plain(message: Any) -> dict[str, Any]:
    result: dict[str, Any] = type(message).to_dict(
        message, preserving_proto_field_name=True, use_integers_for_enums=False
    )
    return result


def list_services(values: Mapping[str, str]) -> list[dict[str, Any]]:
    parent = f"projects/{values['project']}/locations/{values['region']}"
    return [plain(item) for item in client(values).list_services(parent=parent)]


def get_service(values: Mapping[str, str], name: str) -> dict[str, Any] | None:
    try:
        return plain(client(values).get_service(name=name))
    except NotFound:
        return None


def get_revision(values: Mapping[str, str], name: str) -> dict[str, Any] | None:
    try:
        return plain(client(values, "revisions").get_revision(name=name))
    except NotFound:
        return None


def deploy_revision(
    values: Mapping[str, str], service: str, template: dict[str, Any], tag: str
) -> dict[str, Any]:
    """Make the template's revision, tagged ``tag``: the service's first gets 100 %, a later
    one 0 % (its percent moves with :func:`set_traffic`). A revision that exists is kept."""
    found = get_service(values, service)
    if (
        found is not None
        and get_revision(values, f"{service}/revisions/{template['revision']}") is not None
    ):
        return found
    target = {"type_": REVISION, "revision": template["revision"], "tag": tag}
    if found is None:
        parent, _, service_id = service.rpartition("/services/")
        body = run_v2.Service(template=template, traffic=[{**target, "percent": 100}])
        operation = client(values).create_service(
            parent=parent, service=body, service_id=service_id
        )
    else:
        traffic = [item for item in _targets(found) if item.get("tag") != tag]
        body = run_v2.Service(
            name=service, template=template, traffic=[*traffic, {**target, "percent": 0}]
        )
        operation = client(values).update_service(service=body)
    return plain(operation.result(timeout=OPERATION_SECONDS))


def _targets(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's traffic as targets to send back (its statuses name each revision)."""
    return [
        {
            "type_": REVISION,
            "revision": status["revision"],
            "percent": status["percent"],
            **({"tag": status["tag"]} if status.get("tag") else {}),
        }
        for status in service.get("traffic_statuses", [])
    ]


def set_traffic(values: Mapping[str, str], service: str, percents: Mapping[str, int]) -> None:
    """Give each revision its percent (they add up to 100), the others 0 %, tags kept; no
    call when the service's traffic is so already."""
    found = get_service(values, service)
    if found is None:
        raise CloudRunError(f"service {service} not found")
    serving = {item["revision"]: item["percent"] for item in _targets(found) if item["percent"]}
    if serving == {revision: percent for revision, percent in percents.items() if percent}:
        return
    tags = {item["revision"]: item["tag"] for item in _targets(found) if item.get("tag")}
    traffic = [
        {
            "type_": REVISION,
            "revision": revision,
            "percent": percent,
            **({"tag": tags[revision]} if revision in tags else {}),
        }
        for revision, percent in percents.items()
    ]
    traffic += [
        {"type_": REVISION, "revision": revision, "percent": 0, "tag": name}
        for revision, name in tags.items()
        if revision not in percents
    ]
    body = run_v2.Service(name=service, template=found["template"], traffic=traffic)
    client(values).update_service(service=body).result(timeout=OPERATION_SECONDS)


def remove_revision(values: Mapping[str, str], service: str, revision: str) -> None:
    """Take the revision out of the traffic and delete it; the service goes with its last
    revision. A revision with all the service's traffic (the first one's 100 %) hands it
    to the newest ready other revision (endpoints are tag URLs: no hostname moves);
    refused (CloudRunError) while it is part of a split."""
    found = get_service(values, service)
    if found is None:
        return
    names = [
        item.name.rsplit("/", 1)[-1]
        for item in client(values, "revisions").list_revisions(parent=service)
    ]
    if revision not in names:
        return
    if names == [revision]:
        client(values).delete_service(name=service).result(timeout=OPERATION_SECONDS)
        return
    targets = _targets(found)
    taking = {item["revision"] for item in targets if item["percent"]}
    if revision in taking and len(taking) > 1:
        raise CloudRunError(
            f"revision {revision} takes traffic: move its hostnames to another deployment first"
        )
    kept = [item for item in targets if item["revision"] != revision]
    if revision in taking:
        heir = _heir(found, [name for name in names if name != revision])
        kept = [item for item in kept if item["revision"] != heir.get("revision")]
        kept.append({**heir, "percent": 100})
    body = run_v2.Service(name=service, template=found["template"], traffic=kept)
    client(values).update_service(service=body).result(timeout=OPERATION_SECONDS)
    client(values, "revisions").delete_revision(name=f"{service}/revisions/{revision}").result(
        timeout=OPERATION_SECONDS
    )


def _heir(service: dict[str, Any], others: list[str]) -> dict[str, Any]:
    """The traffic target that takes a removed revision's 100 %: the service's latest ready
    revision if it is one of ``others``, else the last of them (its tag kept)."""
    latest = str(service.get("latest_ready_revision", "")).rsplit("/", 1)[-1]
    chosen = latest if latest in others else others[-1]
    return next(
        (item for item in _targets(service) if item["revision"] == chosen),
        {"type_": REVISION, "revision": chosen},
    )


def revision_status(revision: dict[str, Any] | None) -> ReleaseStatus:
    """Where a revision stands, from its ``Ready`` condition."""
    if revision is None:
        return ReleaseStatus.ABSENT
    ready: dict[str, Any] = next(
        (
            item
            for item in revision.get("conditions", [])
            if item.get("type_", item.get("type")) == "Ready"
        ),
        {},
    )
    state = ready.get("state", "")
    if state == "CONDITION_SUCCEEDED" and not revision.get("reconciling"):
        return ReleaseStatus.READY
    if state == "CONDITION_FAILED":
        return ReleaseStatus.UNHEALTHY
    return ReleaseStatus.STARTING


def condition_message(revision: dict[str, Any] | None) -> str:
    for item in (revision or {}).get("conditions", []):
        if item.get("message"):
            return str(item["message"])
    return ""
