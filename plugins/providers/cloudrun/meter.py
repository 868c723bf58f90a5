"""Cloud Run's usage meter: an upper bound of what a serving revision is billed for.

Cloud Run reports the instance time it bills through Cloud Monitoring
(``run.googleapis.com/container/billable_instance_time``), which this runtime
does not read; the Admin API's revision says only its size and instance range.
So a ready revision's reading is its vCPU and memory limits (``containers[].
resources.limits``) times its instances, ``scaling.min_instance_count`` but at
least one, since the revision was made (``create_time``). With a minimum of 0
that is an upper bound: Cloud Run scales to zero and request-based billing
counts only the seconds an instance serves requests. Requests themselves are
the edge's count (the core adds them to the usage).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from autostack_core.interfaces.cost import allotted_usage
from autostack_core.interfaces.usage import ResourceUsage

MEMORY_UNITS = {"": 1 / 1024 ** 3, "k": 1e3 / 1024 ** 3, "M": 1e6 / 1024 ** 3,
                "G": 1e9 / 1024 ** 3, "Ki": 1 / 1024 ** 2, "Mi": 1 / 1024, "Gi": 1.0}


def cpu_of(limit: str) -> float:
    """A Kubernetes CPU quantity (``1``, ``0.5``, ``500m``) in vCPU."""
    return float(limit[:-1]) / 1000 if limit.endswith("m") else float(limit)


def memory_gib_of(limit: str) -> float:
    """A Kubernetes memory quantity (``512Mi``, ``1Gi``, ``1G``) in GiB."""
    found = re.fullmatch(r"([0-9.]+)([kMG]i?|Ki)?", limit.strip())
    if found is None:
        raise ValueError(f"not a memory quantity: {limit!r}")
    return float(found[1]) * MEMORY_UNITS[found[2] or ""]


def reading(revision: dict[str, Any]) -> ResourceUsage:
    """The allotment a ready ``revision`` (the API's revision, as a dict) is billed for at most."""
    containers = revision.get("containers") or []
    limits = [(container.get("resources") or {}).get("limits") or {} for container in containers]
    vcpu = sum(cpu_of(str(found.get("cpu", "1"))) for found in limits)
    memory = sum(memory_gib_of(str(found.get("memory", "512Mi"))) for found in limits)
    instances = max(int((revision.get("scaling") or {}).get("min_instance_count") or 0), 1)
    created = revision.get("create_time")
    started = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None
    return allotted_usage(vcpu, memory, instances, started)
