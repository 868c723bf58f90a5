"""What both sides of a rolling release answered, from the edge's counts.

The edge counts, per hostname and since a time, each deployment's requests,
5xx answers and 95th percentile answer time
(:meth:`autostack_core.interfaces.edge.Edge.traffic`). A rolling release
serves several hostnames (production and the custom domains following it),
combined as :func:`autostack_core.services.splits.combine` says. An edge that
does not count gives no measure: the rolling release then advances on time or
approval only, and its status says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from autostack_core.interfaces.edge import TrafficCount
from autostack_core.services import splits

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project, RollingRelease


@dataclass(frozen=True)
class Measure:
    stage_old: TrafficCount
    """The previous deployment's answers in the current stage."""
    stage_new: TrafficCount
    """The new deployment's answers in the current stage."""
    total_new_errors: int
    """The new deployment's 5xx answers since the rolling release started: the earlier
    stages' (kept on the row when each ended) and the current one's."""


async def measure(app: AutoStack, project: Project, rollout: RollingRelease) -> Measure | None:
    """Both sides' answers in the current stage, and the new side's errors since the start.

    Only the current stage's window is counted: a check costs the same in the first minute
    of a rolling release and in its tenth hour.
    """
    hostnames = await splits.split_hostnames(app, project, rollout.from_deployment)
    stage = await splits.traffic(app, hostnames, rollout.stage_started_at)
    if stage is None:
        return None
    new = stage.get(rollout.to_deployment, TrafficCount())
    return Measure(stage.get(rollout.from_deployment, TrafficCount()), new,
                   rollout.earlier_new_errors + new.errors)
