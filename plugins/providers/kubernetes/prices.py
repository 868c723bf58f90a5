"""Amazon EKS's published prices (US East, N. Virginia), and a release's cost at them.

A release's pods are priced as AWS Fargate bills a pod: its vCPU and memory
requests (``AUTOSTACK_RUNTIME_CPUS``, ``AUTOSTACK_RUNTIME_MEMORY_MB``) for every
hour it runs. The cluster fee is per cluster, shared by every release on it,
so it is listed but not added to a release; an EC2 node group is listed for
comparison (an m5.large holds two 1-vCPU, 1 GiB pods several times over).
The figures are AWS's list prices as of :data:`AS_OF`, not read from AWS on
this machine (it reaches no web page): check the pages in ``docs/cost.md``.
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
SOURCE = "https://aws.amazon.com/eks/pricing/ and https://aws.amazon.com/fargate/pricing/"
FARGATE_VCPU_HOUR = 0.04048
FARGATE_GB_HOUR = 0.004445
CLUSTER_HOUR = 0.10
EC2_M5_LARGE_HOUR = 0.096


def price_table(runtime: str) -> PriceTable:
    own = "" if runtime == "eks" else (
        " A cluster of your own has no published price: this runtime applies EKS's.")
    return PriceTable(
        runtime=runtime, currency="USD", source=SOURCE, as_of=AS_OF, region="us-east-1",
        items=(
            PriceItem("vcpu", "vCPU-hour", FARGATE_VCPU_HOUR, "Fargate, Linux/x86"),
            PriceItem("memory", "GB-hour", FARGATE_GB_HOUR, "Fargate, Linux/x86"),
            PriceItem("cluster", "cluster-hour", CLUSTER_HOUR,
                      "per cluster (standard support), shared: not added to a release"),
            PriceItem("ec2_m5_large", "instance-hour", EC2_M5_LARGE_HOUR,
                      "on-demand node (2 vCPU, 8 GiB) for a node group: not added"),
        ),
        notes="Pods priced at Fargate's rates for their requests while they run; the "
              "cluster fee, nodes, load balancers and traffic are billed apart." + own,
    )


def estimate(table: PriceTable, settings: Settings, usage: Usage) -> Cost:
    """The vCPU- and GiB-seconds the meter read (the running pods' requests, :mod:`.meter`),
    in hours; without a reading (an estimate), ``usage.hours`` at one pod's requests."""
    vcpu, memory = allotted_seconds(usage, settings.runtime_cpus,
                                    settings.runtime_memory_mb / 1024)
    return bill(table, {"vcpu": vcpu / 3600, "memory": memory / 3600})
