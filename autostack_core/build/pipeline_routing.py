"""The pipeline's last step: move a deployed deployment's aliases, then mark it ready.

Whoever sees a deployment ``ready`` (the API, a page, a live event, a notifier such as a
git host's status) can use every alias it takes: the aliases move while it is still
``deploying``, and only then is ``ready`` persisted, then announced. When it does not
become ready after all (a cancel, an edge refusing a hostname, a worker declared lost),
the aliases it took go back to the deployments they served before, and a hostname it
was the first to take is taken off the edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Environment,
    Project,
)
from autostack_core.services import deployments, hostnames

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.build.pipeline_steps import StepRun
    from autostack_core.interfaces.runtime import Endpoint

logger = logging.getLogger("autostack.pipeline")


@dataclass(frozen=True)
class MovedAlias:
    """One alias the deployment took, and the deployment it served before (None: new)."""

    hostname: str
    kind: AliasKind
    branch: str | None
    previous: str | None


class AliasMoves:
    """The aliases one deployment takes before it is ready, and how to put them back.
    ``endpoint`` is the deployment's, just deployed: each alias is bound to it without
    deploying it again (see :func:`autostack_core.services.releases.bind`)."""

    def __init__(self, app: AutoStack, project: Project, deployment: Deployment,
                 endpoint: Endpoint | None = None) -> None:
        self.app = app
        self.project = project
        self.deployment = deployment
        self.endpoint = endpoint
        self.moved: list[MovedAlias] = []

    async def point(self, moves: list[deployments.AliasMove]) -> None:
        """Move the aliases ``moves`` to the deployment (still deploying) together, remembering
        where they were; audit and announce a promotion when the production alias is one."""
        try:
            previous = await deployments.point_aliases(self.app, self.project, self.deployment,
                                                       moves, ready_next=True,
                                                       endpoint=self.endpoint)
        except BaseException:
            # An edge binding one hostname after the other may have bound some before it
            # refused: :meth:`undo` puts this project's back where the database has them.
            rows = await Alias.filter(hostname__in=[move.hostname for move in moves]) \
                .values_list("hostname", "project_id", "deployment_id")
            others = {hostname for hostname, project_id, _ in rows
                      if project_id != self.project.id}
            before = {hostname: deployment_id for hostname, _, deployment_id in rows}
            self.moved.extend(MovedAlias(move.hostname, move.kind, move.branch,
                                         before.get(move.hostname))
                              for move in moves if move.hostname not in others)
            raise
        for move in moves:
            self.moved.append(MovedAlias(move.hostname, move.kind, move.branch,
                                         previous[move.hostname]))
        for move in moves:
            if move.kind == AliasKind.PRODUCTION:
                await deployments.promoted(self.app, self.project, self.deployment,
                                           previous[move.hostname])

    async def undo(self) -> None:
        """Point every moved alias back at the ready deployment it served before; take the
        ones still pointing here (new ones, custom domains that followed) off the edge.
        Best effort: one that cannot move back is logged, the others still move."""
        for moved in reversed(self.moved):
            if moved.previous is None:
                continue
            try:
                before = await Deployment.get_or_none(
                    id=moved.previous, state=DeploymentState.READY, deleted_at__isnull=True)
                if before is not None:
                    await deployments.point_alias(self.app, self.project, before,
                                                  moved.hostname, moved.kind, branch=moved.branch)
            except Exception:
                logger.exception("%s could not go back to %s", moved.hostname, moved.previous)
        try:
            left = {str(hostname) for hostname in await Alias.filter(
                deployment_id=self.deployment.id).values_list("hostname", flat=True)}
            await Alias.filter(deployment_id=self.deployment.id).delete()
            # New ones an edge may have bound before it refused have no row any more.
            left |= {moved.hostname for moved in self.moved if moved.previous is None}
            for hostname in sorted(left):
                await self.app.edge.unbind(str(hostname))
        except Exception:
            logger.exception("the aliases of %s could not be taken off", self.deployment.id)


async def taken_aliases(app: AutoStack, project: Project, deployment: Deployment,
                        held: bool) -> list[deployments.AliasMove]:
    """The aliases ``deployment`` takes besides its own hostname: production unless ``held``
    (a member's approval) or a newer deployment has it, its branch's and pull request's
    unless newer ones have them (their deployments are read in one query)."""
    base = app.settings.base_domain
    wanted: list[deployments.AliasMove] = []
    if not held and deployment.target == Environment.PRODUCTION:
        wanted.append(deployments.AliasMove(
            deployments.production_hostname(project.name, base), AliasKind.PRODUCTION))
    if deployment.branch:
        wanted.append(deployments.AliasMove(
            await hostnames.branch_hostname(project, deployment.branch, base),
            AliasKind.BRANCH, deployment.branch))
    if deployment.pull_request is not None:
        wanted.append(deployments.AliasMove(
            await hostnames.pull_request_hostname(project, deployment.pull_request, base),
            AliasKind.PULL_REQUEST, deployment.branch))
    if not wanted:
        return []
    created = dict(await Alias.filter(
        hostname__in=[move.hostname for move in wanted], deployment_id__isnull=False,
    ).values_list("hostname", "deployment__created_at"))
    return [move for move in wanted
            if move.hostname not in created or created[move.hostname] <= deployment.created_at]


async def route_then_ready(app: AutoStack, project: Project, deployment: Deployment,
                           own_hostname: str, steps: StepRun | None,
                           endpoint: Endpoint | None = None, **ready_fields: Any) -> bool:
    """Move the deployment's aliases (its own hostname; production unless a member's
    approval holds it or a newer deployment has it; its branch's and pull request's
    unless newer ones have them), then mark it ready with ``ready_fields``.

    ``endpoint``: the deployment's, when the caller has just deployed it.

    Returns False when it could not become ready (another writer changed its state: a
    cancel, a lost-worker sweep); then, as on any error or cancel here, the aliases are
    back where they were.
    """
    held = steps is not None and steps.needs_approval()
    moves = AliasMoves(app, project, deployment, endpoint)
    ready = False
    try:
        await moves.point([deployments.AliasMove(own_hostname, AliasKind.DEPLOYMENT),
                           *await taken_aliases(app, project, deployment, held)])
        if steps is not None:
            ready_fields["pipeline"] = steps.deployed()
        ready = await deployments.transition(app, deployment, DeploymentState.READY,
                                             **ready_fields)
    finally:
        # ``ready`` is set on the deployment once persisted, before it is announced: an
        # error or cancel while announcing leaves a ready deployment with its aliases.
        if deployment.state != DeploymentState.READY:
            await moves.undo()
    return ready
