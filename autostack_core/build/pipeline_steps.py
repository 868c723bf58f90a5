"""Running a project's configured steps and keeping each one's status on the deployment.

:class:`StepRun` follows one deployment through its pipeline
(:mod:`autostack_core.build.pipeline_config`): the builder's ``install`` and ``build``,
the ``test``, ``lint`` and ``check`` steps run in the same sandbox as the build (before
``install`` or after ``build``, where they stand), the ``approval`` and ``deploy``. Every
status change is saved to ``Deployment.pipeline`` before the build goes on, so the
deployment page shows where it stands and where it stopped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from autostack_core.build.build_errors import BuildError
from autostack_core.build.pipeline_config import CUSTOM_KINDS, Step
from autostack_core.infrastructure.models import Deployment

Run = Callable[[str, str], Awaitable[int]]

PENDING, RUNNING, PASSED, FAILED = "pending", "running", "passed", "failed"
SKIPPED, REUSED, WAITING, APPROVED = "skipped", "reused", "waiting", "approved"


class StepRun:
    """The steps of one deployment, in order, with their statuses."""

    def __init__(self, deployment: Deployment, steps: list[Step], source: str,
                 production: bool) -> None:
        self.deployment = deployment
        self.steps = steps
        self.source = source
        self.production = production
        self.status = {step.id: PENDING if step.runs_for(production) else SKIPPED
                       for step in steps}
        if not production and any(step.kind == "approval" for step in steps):
            self.status["approval"] = SKIPPED  # an approval holds back production only

    def record(self) -> dict[str, Any]:
        return {"source": self.source,
                "steps": [{**step.to_dict(), "status": self.status[step.id]}
                          for step in self.steps]}

    def key(self) -> list[dict[str, Any]]:
        """What of the pipeline decides a build's output: the custom steps that run."""
        return [step.to_dict() for step in self.steps
                if step.kind in CUSTOM_KINDS and self.status[step.id] != SKIPPED]

    async def mark(self, status: str, *ids: str) -> None:
        for step_id in ids:
            if step_id in self.status:
                self.status[step_id] = status
        await self.save()

    async def save(self) -> None:
        self.deployment.pipeline = self.record()
        await Deployment.filter(id=self.deployment.id).update(pipeline=self.deployment.pipeline)

    async def fail_running(self) -> None:
        """The step that was running when the deployment failed is the one that failed."""
        running = [step_id for step_id, status in self.status.items() if status == RUNNING]
        if running:
            await self.mark(FAILED, *running)

    def _custom(self, before_builder: bool) -> list[Step]:
        ids = [step.id for step in self.steps]
        install = ids.index("install")
        chosen = self.steps[:install] if before_builder else self.steps[install + 2:]
        return [step for step in chosen
                if step.kind in CUSTOM_KINDS and self.status[step.id] == PENDING]

    async def run_custom(self, run: Run, before_builder: bool) -> None:
        """Run the pending test, lint and check steps before the builder or after it; the first
        that exits non-zero fails the deployment (a :class:`BuildError` naming it)."""
        for step in self._custom(before_builder):
            await self.mark(RUNNING, step.id)
            code = await run(step.command or "", step.id)
            if code != 0:
                await self.mark(FAILED, step.id)
                raise BuildError(f"{step.kind} step `{step.name}` (`{step.command}`) exited "
                                 f"with code {code}")
            await self.mark(PASSED, step.id)

    async def around_builder(self, run: Run, builder: Callable[[], Awaitable[None]]) -> None:
        """Custom steps before install, the builder's install and build, the steps after."""
        await self.run_custom(run, before_builder=True)
        await self.mark(RUNNING, "install", "build")
        await builder()
        await self.mark(PASSED, "install", "build")
        await self.run_custom(run, before_builder=False)

    async def reused(self) -> None:
        """The output of an earlier build of the same source and steps is reused."""
        ran = [step.id for step in self.steps
               if step.kind in ("install", "build", *CUSTOM_KINDS)
               and self.status[step.id] == PENDING]
        await self.mark(REUSED, *ran)

    def needs_approval(self) -> bool:
        return self.status.get("approval") == PENDING

    async def deployed(self) -> None:
        await self.mark(PASSED, "deploy")
        if self.needs_approval():
            await self.mark(WAITING, "approval")
