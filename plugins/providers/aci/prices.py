"""Azure Container Instances' published prices (East US, Linux), and a release's cost.

A container group is billed per second for the vCPU and memory it asks for
(``AUTOSTACK_RUNTIME_CPUS``, ``AUTOSTACK_RUNTIME_MEMORY_MB``, at least ACI's
minimum), whatever it uses, while it runs; nothing while it is stopped. The
figures are Microsoft's list prices as of :data:`AS_OF`, not read from Azure on
this machine (it reaches no web page): check the page in ``docs/cost.md``.
"""

from __future__ import annotations

from autostack_core.config import Settings
from autostack_core.interfaces.cost import (
    Cost,
    PriceItem,
    PriceTable,
    Usage,
    allotted_seconds,
    bill,
)

AS_OF = "2026-12-07"
SOURCE = "https://azure.microsoft.com/en-us/pricing/details/container-instances/"
VCPU_SECOND = 0.0000135
GB_SECOND = 0.0000015
MIN_VCPU = 0.1
MIN_GB = 0.125

TABLE = PriceTable(
    runtime="aci", currency="USD", source=SOURCE, as_of=AS_OF, region="eastus",
    items=(
        PriceItem("vcpu", "vCPU-second", VCPU_SECOND, "Linux, pay as you go"),
        PriceItem("memory", "GB-second", GB_SECOND, "Linux, pay as you go"),
    ),
    notes="Windows container groups, GPUs, public IPs and traffic are billed apart.",
)


def estimate(settings: Settings, usage: Usage) -> Cost:
    """The vCPU- and GB-seconds the meter read (:meth:`AciRuntime.measure`), or ``usage``'s
    hours at the container group's configured vCPU and memory."""
    vcpu, memory = allotted_seconds(usage, max(settings.runtime_cpus, MIN_VCPU),
                                    max(settings.runtime_memory_mb / 1024, MIN_GB))
    return bill(TABLE, {"vcpu": vcpu, "memory": memory})
