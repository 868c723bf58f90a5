"""The ``kubernetes`` runtime's fields (:class:`ConfigField`), and how a team's values and
the server's are merged into one configuration.

A team's values come from its team settings (sealed at rest); the server's from
its environment (``AUTOSTACK_KUBERNETES_<FIELD>``, :mod:`.plugin`). With a
cluster of its own (its kubeconfig, or on EKS its key) a team gets only the
server's placement fields; without, the server's cluster and, unless it names a
registry of its own, the server's registry login (:mod:`.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping

from autostack_core.interfaces.runtime import ConfigField
from autostack_plugins.providers.kubernetes import team_config
from autostack_plugins.providers.kubernetes.registry import REGISTRY_FIELDS, REGISTRY_NAMES

PLACEMENT_FIELDS = (
    ConfigField("namespace", "Namespace of the team's apps on its own cluster (default "
                "autostack)", required=False),
    ConfigField("ingress_class", "IngressClass of the cluster's ingress-nginx (default nginx)",
                required=False),
)
PLACEMENT_NAMES = frozenset(field.name for field in PLACEMENT_FIELDS)
CONFIG_FIELDS = (
    ConfigField("kubeconfig", "Kubeconfig YAML (inline credentials only: token, *-data)",
                secret=True, required=False, urls=team_config.kubeconfig_servers),
    ConfigField("context", "Kubeconfig context (default: its current context)", required=False),
    ConfigField("in_cluster", "true: use the service account of the pod AutoStack runs in "
                "(server settings only)", required=False),
    *PLACEMENT_FIELDS,
    *REGISTRY_FIELDS,
)
NOT_CONNECTION = PLACEMENT_NAMES | REGISTRY_NAMES
"""Fields that do not change how the cluster is reached (left out of its key)."""


def team_namespace(base: str, team: str) -> str:
    """A team's namespace on the server's cluster: ``<base>-<team>``, a DNS label."""
    return f"{base}-{team}"[:63].rstrip("-")


def merge(runtime: str, server: Mapping[str, str], team: Mapping[str, str]) -> dict[str, str]:
    """``team``'s (checked) values over the server's: on a team's own cluster only the
    server's placement fields are lent; a team's own registry takes none of the server's
    registry fields (its login would go to the team's registry)."""
    lent = {name: value for name, value in server.items()
            if not team_config.own_cluster(runtime, team) or name in PLACEMENT_NAMES}
    if team.get("registry"):
        lent = {name: value for name, value in lent.items() if name not in REGISTRY_NAMES}
    return {**lent, **team}


def connection(values: Mapping[str, str]) -> dict[str, str]:
    """The values that say how the cluster is reached."""
    return {name: value for name, value in values.items() if name not in NOT_CONNECTION}
