"""The Kubernetes plugin: the ``kubernetes`` and ``eks`` runtimes and the ``kubernetes`` edge.

Both runtimes run image releases as Deployments (:mod:`.runtime`); ``eks``
finds its cluster and authenticates through AWS (:mod:`.eks`). The edge routes
hostnames with Ingress objects in the releases' clusters, which it learns from
the runtimes registered with it (the core calls ``register_runtimes`` before
``register_edges``, as for the local plugin). A server whose runtimes run on
Kubernetes sets ``AUTOSTACK_EDGE=kubernetes``.

The client libraries are an extra (``pip install 'autostack[kubernetes]'``,
``[aws]`` for EKS) imported only when the hooks run, so the CLI starts without
them; without them the hooks register nothing.
"""

from __future__ import annotations

import importlib.util
import os
import weakref
from typing import TYPE_CHECKING, Any

from autostack_core import hookimpl
from autostack_core.config import Settings

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.clusters import Clusters

ENVIRONMENT_PREFIX = {"kubernetes": "AUTOSTACK_KUBERNETES_", "eks": "AUTOSTACK_EKS_"}
"""The server's own runtime settings: ``AUTOSTACK_KUBERNETES_<FIELD>`` (``AUTOSTACK_KUBECONFIG``
too), ``AUTOSTACK_EKS_<FIELD>``; a team's own fields override them."""

# The clusters the runtimes registered for a Settings, until the edge registered next takes them.
_unpaired: weakref.WeakValueDictionary[int, Clusters] = weakref.WeakValueDictionary()


def available(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def defaults(runtime: str, names: list[str]) -> dict[str, str]:
    found = {name: os.environ.get(ENVIRONMENT_PREFIX[runtime] + name.upper(), "")
             for name in names}
    if runtime == "kubernetes" and not found.get("kubeconfig"):
        found["kubeconfig"] = os.environ.get("AUTOSTACK_KUBECONFIG", "")
    return {name: value for name, value in found.items() if value}


def _clusters(settings: Settings) -> Clusters:
    from autostack_plugins.providers.kubernetes.clusters import Clusters

    clusters = _unpaired.get(id(settings))
    if clusters is None:
        clusters = Clusters()
        _unpaired[id(settings)] = clusters
    return clusters


@hookimpl
def register_runtimes(settings: Settings) -> list[Any]:
    if not available("kubernetes", "kubernetes_validate"):
        return []
    from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime

    clusters = _clusters(settings)
    runtimes: list[Any] = [KubernetesRuntime(settings, clusters, defaults(
        "kubernetes", [field.name for field in KubernetesRuntime.config_fields]))]
    if available("boto3"):
        from autostack_plugins.providers.kubernetes.eks import Eks

        runtimes.append(KubernetesRuntime(settings, clusters, defaults(
            "eks", [field.name for field in Eks.config_fields]), provider=Eks()))
    return runtimes


@hookimpl
def register_edges(settings: Settings) -> list[Any]:
    if not available("kubernetes", "kubernetes_validate"):
        return []
    from autostack_plugins.providers.kubernetes.ingress_edge import IngressEdge

    clusters = _unpaired.pop(id(settings), None) or _clusters(settings)
    return [IngressEdge(clusters)]
