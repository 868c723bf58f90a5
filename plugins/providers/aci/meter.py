"""ACI's usage meter: what a running container group is billed for, from its instance view.

Azure bills a container group per second for the vCPU and memory its
containers *request*, while it runs, whatever they use; the ARM API reports no
CPU time (Azure Monitor's metrics are not read here). So a reading is the
group's requested vCPU and memory (each container's ``resources.requests``)
times the seconds since its container's ``currentState.startTime``: the
counter starts again when ACI restarts the container or the group is started
after a stop, and a stopped group is not measured (it is not billed).
"""

from __future__ import annotations

from typing import Any

from autostack_core.interfaces.cost import allotted_usage
from autostack_core.interfaces.usage import ResourceUsage


def reading(group: Any) -> ResourceUsage | None:
    """The billed allotment of ``group`` (an SDK ``ContainerGroup`` that runs), else None."""
    containers = list(group.containers or [])
    if not containers:
        return None
    vcpu = sum(float(container.resources.requests.cpu) for container in containers)
    memory_gb = sum(float(container.resources.requests.memory_in_gb) for container in containers)
    view = containers[0].instance_view
    started = view.current_state.start_time if view and view.current_state else None
    return allotted_usage(vcpu, memory_gb, 1, started)
