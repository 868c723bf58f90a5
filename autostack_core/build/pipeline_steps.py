"""Running the builder and a project's configured steps, keeping each one's status on the
deployment, and timing the pipeline's parts.

:class:`StepRun` follows one deployment through its pipeline
(:mod:`autostack_core.build.pipeline_config`): the builder's ``install`` and ``build``,
the ``test``, ``lint`` and ``check`` steps run in the same sandbox as the build (before
``install`` or after ``build``, where they stand), the ``approval`` and ``deploy``. Every
status change is saved to ``Deployment.pipeline`` before the build goes on, so the
deployment page shows where it stands and where it stopped; a site with nothing to build
(no command: a few ms of host code) saves its install and build with the next write.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from autostack_core.build import build_cache
from autostack_core.build.build_errors import BuildError
from autostack_core.build.pipeline_config import CUSTOM_KINDS, Step
from autostack_core.build.sandbox import Limits, Sandbox, nothing_to_build
from autostack_core.infrastructure.models import Deployment
from autostack_core.interfaces import BuildContext, Detection, PushTarget
from autostack_core.interfaces.runtime import OutputKind
from autostack_core.services import releases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.build.pipeline import Pipeline
    from autostack_core.infrastructure.models import Project

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

    def set(self, status: str, *ids: str) -> dict[str, Any]:
        """Change statuses without saving; the record to save with the caller's own write
        (a state transition: one write for both)."""
        for step_id in ids:
            if step_id in self.status:
                self.status[step_id] = status
        self.deployment.pipeline = self.record()
        return self.deployment.pipeline

    async def mark(self, status: str, *ids: str) -> None:
        self.set(status, *ids)
        await self.save()

    async def save(self) -> None:
        self.deployment.pipeline = self.record()
        await Deployment.filter(id=self.deployment.id).update(pipeline=self.deployment.pipeline)

    async def fail_running(self) -> None:
        """The step that was running when the deployment failed is the one that failed; saved
        with the statuses not saved yet (a site with nothing to build: around_builder)."""
        await self.mark(FAILED, *[step_id for step_id, status in self.status.items()
                                  if status == RUNNING])

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

    async def around_builder(self, run: Run, builder: Callable[[], Awaitable[None]],
                             save_running: bool = True) -> None:
        """Custom steps before install, the builder's install and build, the steps after.
        Without ``save_running`` (nothing to build: a few ms of host code) install and build
        run and pass in memory, saved with the next write (the deploying state, a failure,
        or a command a builder still runs): two writes fewer."""
        await self.run_custom(run, before_builder=True)
        if save_running:
            await self.mark(RUNNING, "install", "build")
        else:
            self.set(RUNNING, "install", "build")
        await builder()
        if save_running:
            await self.mark(PASSED, "install", "build")
        else:
            self.set(PASSED, "install", "build")
        await self.run_custom(run, before_builder=False)

    async def reused(self) -> None:
        """The output of an earlier build of the same source and steps is reused."""
        ran = [step.id for step in self.steps
               if step.kind in ("install", "build", *CUSTOM_KINDS)
               and self.status[step.id] == PENDING]
        await self.mark(REUSED, *ran)

    def needs_approval(self) -> bool:
        return self.status.get("approval") == PENDING

    def deployed(self) -> dict[str, Any]:
        """Deploy passed (and the approval waiting when it holds production back): the
        record to save with the ready state."""
        if self.needs_approval():
            self.set(WAITING, "approval")
        return self.set(PASSED, "deploy")


class Timings:
    """How long each part of one deployment took, in the order the parts ran.

    The pipeline ends its log with :meth:`line` (``Timings: queued 0.012 s, checkout ...``),
    so a user sees where a slow deployment spent its time and ``bench/push_bench.py``
    prints the same split.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, part: str, seconds: float) -> None:
        self.seconds[part] = self.seconds.get(part, 0.0) + max(seconds, 0.0)

    @contextlib.contextmanager
    def measure(self, part: str) -> Iterator[None]:
        """Add the time the ``with`` block takes to ``part`` (also when it raises)."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(part, time.monotonic() - started)

    def line(self) -> str:
        return "Timings: " + ", ".join(f"{part} {seconds:.3f} s"
                                       for part, seconds in self.seconds.items())


def _system_env(deployment: Deployment) -> dict[str, str]:
    return {
        "CI": "1",
        "AUTOSTACK": "1",
        "AUTOSTACK_ENV": str(deployment.target),
        "AUTOSTACK_DEPLOYMENT_ID": deployment.id,
        "AUTOSTACK_GIT_COMMIT_SHA": deployment.commit_sha or "",
        "AUTOSTACK_GIT_BRANCH": deployment.branch or "",
    }


async def run_builder(pipeline: Pipeline, detection: Detection,
                      build_env: dict[str, str]) -> None:
    """Run the builder that takes ``detection``, with the project's steps around it, its
    commands in a :class:`Sandbox` in the root directory.

    A site with nothing to build (:func:`nothing_to_build`) gets no sandbox: an
    upload's or a push's workspace stays hard links to the store (its files reach the
    store unread and uncopied). A command the builder still runs (a static site's
    middleware to bundle) first gets the source as private copies, since a command
    could write through those links, and a sandbox; so does any other build from
    the start.
    """
    app, settings, project = pipeline.app, pipeline.settings, pipeline.project
    builder = next((b for b in app.builders if b.can_build(detection)), None)
    if builder is None:
        raise BuildError(f"no builder can build {detection.name}; install a plugin for it")
    assert pipeline.steps is not None
    steps = pipeline.steps
    static = nothing_to_build(detection, steps.key())
    if static:
        pipeline.log.write("build", "Nothing to build: the files are published as they are, "
                                    "without a sandbox", "system")
    else:
        await _private_workspace(pipeline)
    cache_dir = settings.path("cache", str(project.id))
    if pipeline.force:
        pipeline.log.write("build", "Forced: building without the build cache", "system")
        await asyncio.to_thread(build_cache.clear, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    toolchains = settings.path("toolchains")
    toolchains.mkdir(parents=True, exist_ok=True)
    pipeline.output_dir.mkdir(parents=True, exist_ok=True)

    def new_sandbox() -> Sandbox:
        return Sandbox(
            workspace=pipeline.workspace,
            cache_dir=cache_dir,
            limits=Limits.from_settings(settings),
            env={**build_env, **_system_env(pipeline.deployment)},
            allow_unsandboxed=settings.allow_unsandboxed,
            secret_values=pipeline.secret_values,
            owner=pipeline.deployment.id,
            toolchains=toolchains,
        )

    sandbox = pipeline.sandbox = None if static else new_sandbox()
    root = pipeline.root_directory()
    root_folder = pipeline.root_folder(root)
    if root_folder is None:
        raise BuildError(f"root directory {root!r} is not in the source")

    async def run(command: str, step: str = "build") -> int:
        nonlocal sandbox
        if sandbox is None:
            pipeline.log.write(step, f"The {builder.name} builder runs a command: the files "
                                     "are copied out of the store and built in a sandbox",
                               "system")
            await _private_workspace(pipeline)
            sandbox = pipeline.sandbox = new_sandbox()
            await steps.save()  # install and build were running unsaved (around_builder)
        pipeline.log.write(step, f"$ {command}", "system")

        async def on_line(stream: str, line: str) -> None:
            pipeline.log.write(step, line, stream)

        started = time.monotonic()
        code = await sandbox.run(command, on_line, cwd=root)
        pipeline.log.write(step, f"exit {code} after {time.monotonic() - started:.1f} s",
                           "system")
        # The host reads the root directory next: a build must not have made it a link.
        if pipeline.root_folder(root) != root_folder:
            raise BuildError(f"the build replaced the root directory {root!r}; "
                             "it must stay a folder of the source")
        return code

    async def log(line: str) -> None:
        pipeline.log.write("build", line, "system")

    context = BuildContext(
        workspace=root_folder,
        output_dir=pipeline.output_dir,
        cache_dir=cache_dir,
        detection=detection,
        env=build_env,
        run=run,
        log=log,
        project_name=project.name,
        settings=settings,
        node_version=project.node_version,
        toolchains=toolchains,
        provider=project.provider,
        image_runtimes=tuple(sorted(name for name, runtime in app.runtimes.items()
                                    if OutputKind.IMAGE in runtime.accepts)),
        push_target=_push_target(app, project),
    )
    await steps.around_builder(run, lambda: builder.build(context), save_running=not static)
    if image_only_runtime(app, project) and not (pipeline.output_dir / "image.json").exists():
        await app.call_hook("package_image", context=context)


async def _private_workspace(pipeline: Pipeline) -> None:
    """Make a workspace of links to the store private copies instead (a
    build writes its workspace). What a builder wrote so far went to the output folder."""
    if pipeline.linked_objects and pipeline.source_manifest is not None:
        await asyncio.to_thread(pipeline.store.materialize, pipeline.source_manifest,
                                pipeline.workspace)
        pipeline.linked_objects = []


def image_only_runtime(app: AutoStack, project: Project) -> str:
    """The project's runtime's name when it runs only images (its builds are packaged as
    images for it: ``package_image``), else ``""``."""
    runtime = app.runtimes.get(project.provider)
    return runtime.name if runtime is not None and runtime.accepts == {OutputKind.IMAGE} \
        else ""


def _push_target(app: AutoStack, project: Project) -> Callable[[], Awaitable[PushTarget | None]]:
    """The project's runtime's own registry for its images (``push_target(config, project)``,
    optional on a runtime), asked only when a build pushes one."""

    async def target() -> PushTarget | None:
        runtime = app.runtimes.get(project.provider)
        ask = getattr(runtime, "push_target", None)
        if ask is None:
            return None
        config, _team = await releases.team_config(app, project)
        found: PushTarget | None = await ask(config, project.name)
        return found

    return target
