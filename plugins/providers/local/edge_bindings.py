"""Which deployments serve each hostname: what a change of the local edge does to its state.

An alias, a split, an unbind or a removed deployment changes
:class:`.edge_state.EdgeState` here and nothing else: these functions refuse a
change with :class:`.edge_state.EdgeError` before they touch the state, and
return what the caller needs to bring the files along.
:class:`autostack_plugins.providers.local.edge.Edge` calls them under its lock,
then saves the state and relinks the hostnames (:mod:`.edge_tree`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autostack_plugins.providers.local.edge_state import EdgeDeployment, EdgeError, EdgeState


@dataclass(frozen=True)
class DroppedDeployment:
    """What removing a deployment from the state changed, for the files to follow."""

    deployment: EdgeDeployment
    orphans: list[str]
    """Aliases that pointed at the deployment; they point nowhere now."""
    shrunk: list[str]
    """Split hostnames the deployment had a weight in; the others share the traffic now."""
    pinning: list[str]
    """Hostnames whose requests could be pinned to the deployment."""


def serving(weights: Mapping[str, int]) -> list[str]:
    """The deployments ``weights`` sends traffic to: those with a positive weight."""
    return [deployment_id for deployment_id, weight in weights.items() if weight > 0]


def deployment_on_edge(state: EdgeState, deployment_id: str) -> EdgeDeployment:
    """The deployment ``deployment_id`` of ``state``; :class:`EdgeError` when it is not there."""
    deployment = state.deployments.get(deployment_id)
    if deployment is None:
        raise EdgeError(f"deployment {deployment_id} is not on the edge")
    return deployment


def check_not_owned(state: EdgeState, hostname: str) -> None:
    """Refuse to bind ``hostname`` elsewhere when it is a deployment's own hostname."""
    for other in state.deployments.values():
        if hostname in other.hostnames:
            raise EdgeError(f"{hostname} is deployment {other.id}'s own hostname")


def bind_alias(state: EdgeState, hostname: str, deployment_id: str) -> list[str] | None:
    """Point ``hostname`` at ``deployment_id``; return the deployments it pointed at before.

    ``None`` when ``hostname`` is that deployment's own hostname: nothing changes.
    """
    target = deployment_on_edge(state, deployment_id)
    if hostname in target.hostnames:
        return None
    check_not_owned(state, hostname)
    previous: list[str] = state.targets(hostname)
    state.splits.pop(hostname, None)
    state.aliases[hostname] = deployment_id
    return previous


def bind_split(state: EdgeState, hostname: str, weights: dict[str, int]) -> list[str]:
    """Split ``hostname`` by ``weights``; return the deployments it pointed at before."""
    for deployment_id in weights:
        deployment_on_edge(state, deployment_id)
    check_not_owned(state, hostname)
    previous: list[str] = state.targets(hostname)
    state.aliases.pop(hostname, None)
    set_split(state, hostname, weights)
    return previous


def unbind(state: EdgeState, hostname: str) -> list[str] | None:
    """Forget ``hostname``'s alias or split; return the deployments it pointed at.

    ``None`` when it had neither: nothing changes.
    """
    previous: list[str] = state.targets(hostname)
    alias = state.aliases.pop(hostname, None)
    split = state.splits.pop(hostname, None)
    if alias is None and split is None:
        return None
    return previous


def set_split(state: EdgeState, hostname: str, weights: dict[str, int]) -> None:
    """Record ``weights`` for ``hostname``: a split, an alias (one left) or nothing."""
    live = serving(weights)
    state.splits.pop(hostname, None)
    state.aliases.pop(hostname, None)
    if len(live) > 1:
        state.splits[hostname] = weights
    elif live:
        state.aliases[hostname] = live[0]


def drop_deployment(state: EdgeState, deployment_id: str, now: float) -> DroppedDeployment | None:
    """Remove a deployment and every alias, split weight and skew record naming it.

    ``None`` when the deployment is not in ``state``.
    """
    if deployment_id not in state.deployments:
        return None
    pinning = [host for host in state.skew if deployment_id in state.pins(host, now)]
    deployment = state.deployments.pop(deployment_id)
    orphans = [host for host, target in state.aliases.items() if target == deployment_id]
    for hostname in orphans:
        del state.aliases[hostname]
    shrunk = {host: {target: weight for target, weight in weights.items()
                     if target != deployment_id}
              for host, weights in state.splits.items() if deployment_id in weights}
    for hostname, weights in shrunk.items():
        set_split(state, hostname, weights)
    for moved in state.unserved.values():
        moved.pop(deployment_id, None)
    return DroppedDeployment(deployment, orphans, list(shrunk), pinning)


def served_by(state: EdgeState, hostname: str) -> str | None:
    """The id of the deployment ``hostname`` points at (a split's heaviest), if any."""
    hostname = hostname.lower()
    weights: dict[str, int] = state.splits.get(hostname) or {}
    served: str | None = state.hostnames().get(hostname)
    return max(weights, key=lambda deployment_id: weights[deployment_id]) if weights else served
