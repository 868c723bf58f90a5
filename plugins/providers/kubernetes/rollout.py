"""A release's status, read from its Deployment's rollout as ``kubectl rollout status`` reads it.

* no Deployment: ``absent``;
* ``spec.replicas`` 0: ``asleep`` (scaled to zero);
* ``Progressing`` false with reason ``ProgressDeadlineExceeded``, or a
  ``ReplicaFailure`` condition: ``unhealthy``, with the condition's message;
* ``status.observedGeneration`` behind ``metadata.generation`` (the controller
  has not seen the change yet), fewer updated or ready replicas than wanted, or
  ``Available`` not true: ``starting``;
* else ``ready``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autostack_core.interfaces.runtime import ReleaseStatus


@dataclass(frozen=True)
class Rollout:
    status: ReleaseStatus
    reason: str
    """What the conditions say (for a failed deploy's message)."""


def rollout(deployment: dict[str, Any] | None) -> Rollout:
    if deployment is None:
        return Rollout(ReleaseStatus.ABSENT, "no Deployment")
    wanted = deployment.get("spec", {}).get("replicas", 1)
    status = deployment.get("status") or {}
    conditions = {item.get("type"): item for item in status.get("conditions") or []}
    progressing, available = conditions.get("Progressing", {}), conditions.get("Available", {})
    failure = conditions.get("ReplicaFailure")
    if progressing.get("reason") == "ProgressDeadlineExceeded" \
            or (failure and failure.get("status") == "True"):
        failed = failure if failure and failure.get("status") == "True" else progressing
        return Rollout(ReleaseStatus.UNHEALTHY, f"{failed.get('reason')}: {failed.get('message')}")
    if wanted == 0:
        return Rollout(ReleaseStatus.ASLEEP, "scaled to zero")
    if status.get("observedGeneration", 0) < deployment["metadata"].get("generation", 1):
        return Rollout(ReleaseStatus.STARTING, "the controller has not seen the new generation")
    ready, updated = status.get("readyReplicas", 0), status.get("updatedReplicas", 0)
    if updated < wanted or ready < wanted or available.get("status") != "True":
        return Rollout(ReleaseStatus.STARTING,
                       f"{ready} of {wanted} replicas ready, {updated} updated"
                       + (f"; {progressing.get('message')}" if progressing.get("message") else ""))
    return Rollout(ReleaseStatus.READY, f"{ready} of {wanted} replicas ready")
