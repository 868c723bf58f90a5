"""Cloud Run's published prices (us-central1, Tier 1), and a release's cost at them.

A revision is priced as Cloud Run's request-based billing (the default for a
service) bills an instance: its vCPU and memory (``AUTOSTACK_RUNTIME_CPUS``,
``AUTOSTACK_RUNTIME_MEMORY_MB``) per second it runs, and its requests. That is
an upper bound: request-based billing counts only the seconds an instance
serves a request. The monthly free tier is per billing account, shared by all
its services, so it is noted and not subtracted. The figures are Google's list
prices as of :data:`AS_OF`, not read from Google on this machine (it reaches
no web page): check the page in ``docs/cost.md``.
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
SOURCE = "https://cloud.google.com/run/pricing"
VCPU_SECOND = 0.000024
GIB_SECOND = 0.0000025
REQUEST = 0.40 / 1_000_000
MIN_VCPU = 0.08
MIN_GIB = 0.125

TABLE = PriceTable(
    runtime="cloudrun", currency="USD", source=SOURCE, as_of=AS_OF, region="us-central1",
    items=(
        PriceItem("vcpu", "vCPU-second", VCPU_SECOND, "request-based billing, Tier 1"),
        PriceItem("memory", "GiB-second", GIB_SECOND, "request-based billing, Tier 1"),
        PriceItem("requests", "request", REQUEST, "0.40 USD per million"),
    ),
    notes="Free tier each month per billing account, not subtracted: 180,000 vCPU-seconds, "
          "360,000 GiB-seconds, 2 million requests. Instance-based billing costs "
          "0.000018 USD a vCPU-second and 0.000002 USD a GiB-second, without a request fee.",
)


def estimate(settings: Settings, usage: Usage) -> Cost:
    """The vCPU- and GiB-seconds the meter read (:meth:`CloudRunRuntime.measure`), or
    ``usage``'s hours at the instance's configured vCPU and memory (at least Cloud Run's
    minimum); and its requests."""
    vcpu, memory = allotted_seconds(usage, max(settings.runtime_cpus, MIN_VCPU),
                                    max(settings.runtime_memory_mb / 1024, MIN_GIB))
    return bill(TABLE, {"vcpu": vcpu, "memory": memory, "requests": usage.requests})
