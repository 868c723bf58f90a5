"""Kubernetes' usage meter: the CPU and memory a release's running pods request, over time.

EKS on Fargate bills each pod for the vCPU and memory it requests, per second,
while it runs; the Kubernetes metrics API (what pods actually use) is not read
here. So a reading adds up, over the release's ``Running`` pods, each pod's
containers' ``resources.requests`` times the seconds since the pod's
``status.startTime``: the sum falls when a pod is replaced, which the core's
meter counts as a restart. On a node group (EC2) the bill is the nodes', not
the pods': the reading is then what the pods reserve of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from autostack_core.interfaces.cost import GIB, allotted_usage
from autostack_core.interfaces.usage import ResourceUsage


def quantity(text: str) -> float:
    """A Kubernetes quantity (``500m``, ``256Mi``) as a number (vCPU, bytes)."""
    from kubernetes.utils.quantity import parse_quantity  # the client costs ~180 ms to import

    return float(parse_quantity(text))  # type: ignore[no-untyped-call]


def reading(pods: list[dict[str, Any]]) -> ResourceUsage | None:
    """What ``pods`` (the API's pods, as dicts) request while they run; None when none runs."""
    cpu_seconds, memory = 0.0, 0
    running = [pod for pod in pods if (pod.get("status") or {}).get("phase") == "Running"]
    for pod in running:
        requests = [((container.get("resources") or {}).get("requests") or {})
                    for container in (pod.get("spec") or {}).get("containers") or []]
        vcpu = sum(quantity(found.get("cpu", "0")) for found in requests)
        gib = sum(quantity(found.get("memory", "0")) for found in requests) / GIB
        started = pod["status"].get("startTime")
        since = datetime.fromisoformat(started.replace("Z", "+00:00")) if started else None
        pod_usage = allotted_usage(vcpu, gib, 1, since)
        cpu_seconds += pod_usage.cpu_seconds
        memory += pod_usage.memory_bytes
    return ResourceUsage(cpu_seconds=cpu_seconds, memory_bytes=memory) if running else None
