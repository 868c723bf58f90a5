"""Where releases and hostnames live: the clusters in use and a release's namespace.

The ``kubernetes`` and ``eks`` runtimes connect to a cluster per team
configuration (the runtime's fields) and register it here under a key; their
endpoints carry that key, which is how the ``kubernetes`` edge finds the
cluster to write a hostname's Ingress to. Connections last for the server's
life.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.cluster import Cluster

CLUSTER_ATTRIBUTE = "kubernetes_cluster"
NAMESPACE_ATTRIBUTE = "kubernetes_namespace"
SERVICE_ATTRIBUTE = "kubernetes_service"
INGRESS_CLASS_ATTRIBUTE = "kubernetes_ingress_class"
DEFAULT_NAMESPACE = "autostack"
DEFAULT_INGRESS_CLASS = "nginx"


class ClusterError(Exception):
    """The cluster refused or failed a request; the message says what and why."""


def cluster_key(runtime: str, config: Mapping[str, str]) -> str:
    """A stable key for one runtime's connection settings (no secret in it)."""
    settings = json.dumps([runtime, sorted(config.items())]).encode()
    return f"{runtime}-{hashlib.sha256(settings).hexdigest()[:16]}"


@dataclass(frozen=True)
class Placement:
    """A release's (or hostname's) cluster and namespace."""

    key: str
    namespace: str
    ingress_class: str = DEFAULT_INGRESS_CLASS


@dataclass
class Clusters:
    """The connected clusters by key, and where each known release (and database) was
    placed."""

    connected: dict[str, Cluster] = field(default_factory=dict)
    releases: dict[str, Placement] = field(default_factory=dict)
    services: dict[str, Placement] = field(default_factory=dict)
    """Where each one-click database this process applied runs, by its service id."""
    default: Placement | None = None
    """The server's own cluster (the runtime's defaults), for what names no release."""

    def cluster(self, key: str) -> Cluster:
        found = self.connected.get(key)
        if found is None:
            raise LookupError(f"no connection to cluster {key}: deploy a release there first")
        return found

    def close(self) -> None:
        for cluster in self.connected.values():
            cluster.close()
        self.connected.clear()
