"""The deploy pipeline: source -> detect -> build -> store -> deploy -> route -> notify.

One :class:`Pipeline` runs one deployment on a queue worker. Each state change
goes through :func:`autostack_core.services.deployments.transition` (persisted, then
announced). A cancel request is noticed within half a second: the sandboxed
build's process group is killed and the deployment ends ``canceled``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import shutil
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.build import user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.build.buildlog import DONE_STEP, BuildLog, deployment_channel
from autostack_core.build.detection import (
    DetectionError,
    detect,
    project_overrides,
    resolve_root_directory,
)
from autostack_core.build.pipeline_config import PipelineError, repository_pipeline, resolve
from autostack_core.build.pipeline_routing import route_then_ready
from autostack_core.build.pipeline_steps import (
    RUNNING,
    StepRun,
    Timings,
    image_only_runtime,
    run_builder,
)
from autostack_core.build.pipeline_store import store_output
from autostack_core.build.push_source import checkout_pushed
from autostack_core.build.sandbox import Sandbox, SandboxError
from autostack_core.build.sources import SourceError, check_git_url, checkout
from autostack_core.git import git_credentials
from autostack_core.infrastructure.manifests import StoreError, tree_hash
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Environment,
    Project,
)
from autostack_core.infrastructure.queue import WORKER_ID
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces import Detection, SourceTree
from autostack_core.security.log_redaction import redact
from autostack_core.security.outbound import Outbound
from autostack_core.services import deployments, quotas, releases, screenshots

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.pipeline")
State = DeploymentState
CANCEL_POLL_SECONDS = 0.5


class Canceled(Exception):
    """The deployment was canceled while it ran."""


def git_remote_path(app: AutoStack, project_name: str) -> Path:
    return app.settings.path("git", f"{project_name}.git")


def build_key(source: str, detection: Detection, env: dict[str, str],
              steps: list[dict[str, Any]] | None = None, image_runtime: str = "") -> str:
    """What decides a build's output: same key, same output, so the build is reused.
    ``steps`` are the test, lint and check steps that ran (a build reused passed them);
    ``image_runtime`` is the project's runtime when it runs only images (the output is
    then an image pushed for it: not reused for another runtime, nor theirs for it)."""
    material_of: dict[str, Any] = {"source": source, "detection": detection.to_dict(),
                                   "env": sorted(env.items())}
    if steps:
        material_of["steps"] = steps
    if image_runtime:
        material_of["image_runtime"] = image_runtime
    material = json.dumps(material_of, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


class Pipeline:
    def __init__(self, app: AutoStack, deployment: Deployment, project: Project,
                 force: bool = False) -> None:
        self.app = app
        self.force = force
        self.deployment = deployment
        self.project = project
        self.settings = app.settings
        self.log = BuildLog(deployment.id, app.events)
        self.sandbox: Sandbox | None = None
        self.store = Store.from_settings(app.settings)
        self.build_root = app.settings.path("builds", deployment.id)
        self.workspace = self.build_root / "src"
        self.output_dir = self.build_root / "output"
        self.secret_values: list[str] = []
        self.steps: StepRun | None = None
        self.timings = Timings()
        self.source_manifest: str | None = None
        """The stored manifest the workspace is hard links to (an upload's, a push's)."""
        self.linked_objects: list[str] = []
        """The store objects the workspace is hard links to (empty: private copies)."""

    # -- orchestration ------------------------------------------------------

    async def run(self) -> None:
        if not await deployments.transition(
            self.app, self.deployment, State.BUILDING, worker_id=WORKER_ID
        ):
            return
        steps = asyncio.create_task(self._steps())
        watcher = asyncio.create_task(self._watch_for_cancel(steps))
        try:
            await steps
        except asyncio.CancelledError:
            if not self.deployment.cancel_requested:
                # The server is stopping: stop the build too and say so.
                steps.cancel()
                if self.sandbox is not None:
                    await self.sandbox.kill()
                await self._fail("the server stopped during the build; redeploy to retry")
                raise
            await self._cancel()
        except Canceled:
            await self._cancel()
        except (BuildError, SourceError, SandboxError, DetectionError, StoreError) as error:
            if self.deployment.cancel_requested:
                # The killed build failed before the cancel reached the steps: still a cancel.
                await self._cancel()
            else:
                await self._fail(str(error))
        except Exception as error:
            logger.exception("deployment %s failed", self.deployment.id)
            await self._fail(f"internal error: {type(error).__name__}: {error}")
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.log.write(DONE_STEP, f"Deployment {self.deployment.state}", "system")
            await self.log.close()
            # Off the event loop: the push's report and the API answer meanwhile.
            await asyncio.to_thread(shutil.rmtree, self.build_root, ignore_errors=True)

    def _step_running(self) -> str:
        """The step an error or cancel ends: the last one logged (a build that failed never
        reached deploy, and its log must not show a Deploy step)."""
        return self.log.step if self.log.step not in (None, DONE_STEP) else "deploy"

    async def _cancel(self) -> None:
        self.log.write(self._step_running(), "Canceled.", "system")
        # Saved with the state: statuses not saved yet (a site with nothing to build).
        fields = {} if self.steps is None else {"pipeline": self.steps.record()}
        await deployments.transition(self.app, self.deployment, State.CANCELED,
                                     "canceled by request", **fields)

    async def _fail(self, message: str) -> None:
        self.log.write(self._step_running(), f"Error: {message}", "system")
        if self.steps is not None:
            await self.steps.fail_running()
        await self.log.flush()
        await deployments.transition(self.app, self.deployment, State.ERROR, message)

    async def _watch_for_cancel(self, steps: asyncio.Task[None]) -> None:
        """Cancel the steps once a cancel is asked for: looked up when the deployment's channel
        is announced, at most every :data:`CANCEL_POLL_SECONDS` (every flush of its log
        announces it: a query each would compete with the build's own queries)."""
        channel = deployment_channel(self.deployment.id)
        looked = -CANCEL_POLL_SECONDS
        async for _ in self.app.events.changes(channel, poll_seconds=CANCEL_POLL_SECONDS):
            wait = looked + CANCEL_POLL_SECONDS - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            looked = time.monotonic()
            fresh = await Deployment.get(id=self.deployment.id).only("id", "cancel_requested")
            if fresh.cancel_requested:
                self.deployment.cancel_requested = True
                if self.sandbox is not None:
                    await self.sandbox.kill()
                steps.cancel()
                return

    async def _steps(self) -> None:
        started = time.monotonic()
        timings = self.timings
        timings.add("queued", (datetime.now(UTC) - self.deployment.created_at).total_seconds())
        with timings.measure("checkout"):
            source_key = await self._fetch_source()
        with timings.measure("detect"):
            build_env = await self._environment()
            detection = await self._detect()
            steps = self.steps = await self._pipeline_steps()
            key = build_key(source_key, detection, build_env, steps.key(),
                            image_only_runtime(self.app, self.project))
            reused = None if self.force else await self._reused_output(key)
        if reused:
            await steps.reused()
        manifest_hash = reused or await self._build_and_store(
            detection, build_env
        )
        build_seconds = round(time.monotonic() - started, 3)
        if not await deployments.transition(
            self.app, self.deployment, State.DEPLOYING,
            source_hash=key, output_manifest_hash=manifest_hash,
            detection=detection.to_dict(), build_time_seconds=build_seconds,
            pipeline=steps.set(RUNNING, "deploy"),  # saved with the state: one write
        ):
            raise Canceled()
        await self._deploy(manifest_hash)

    # -- steps --------------------------------------------------------------

    async def _fetch_source(self) -> str:
        """Put the source in the workspace; return a key identifying its content."""
        deployment = self.deployment
        if deployment.source_type == "upload":
            manifest = deployment.upload_manifest or {"files": {}}
            self.log.write("upload", f"Unpacking {len(manifest['files'])} uploaded files",
                           "system")
            upload_hash = await asyncio.to_thread(self.store.put_manifest, manifest)
            # Links, not copies, until a build command is about to run (see run_builder).
            await asyncio.to_thread(partial(self.store.materialize, upload_hash, self.workspace,
                                            link_store=True))
            self.source_manifest = upload_hash
            self.linked_objects = [entry["sha256"] for entry in manifest["files"].values()]
            return "upload:" + tree_hash(
                {path: entry["sha256"] for path, entry in manifest["files"].items()}
            )
        ref = deployment.commit_sha or deployment.branch or self.project.branch
        if deployment.source_type in ("push", "template"):  # the built-in remote
            self.log.write("clone", f"Checking out {deployment.source_type} {ref}", "system")
            pushed = await checkout_pushed(git_remote_path(self.app, self.project.name), ref,
                                           self.store, self.settings.path("git-blobs"),
                                           self.workspace, self.build_root / "index")
            result, self.source_manifest = pushed.checkout, pushed.manifest_hash
            self.linked_objects = list(pushed.objects)
        else:
            url = check_git_url(deployment.git_url or "", self.settings.allow_local_git)
            access = await git_credentials.access_for_project(self.app, self.project, url)
            self.log.write("clone", f"Cloning {redact(url)} at {ref}", "system")
            try:
                result = await checkout(url, ref, self.workspace,
                                        allow_local=self.settings.allow_local_git,
                                        extra_env=access.env,
                                        outbound=Outbound.from_settings(self.settings))
            except SourceError as error:
                raise access.explain(error) from error
            shutil.rmtree(self.workspace / ".git", ignore_errors=True)
        self.log.write("clone", f"Checked out {result.commit_sha[:12]}: {result.commit_message}",
                       "system")
        await Deployment.filter(id=deployment.id).update(
            commit_sha=result.commit_sha, commit_message=result.commit_message
        )
        return f"git:{result.tree_sha}:{self.project.root_directory}"

    async def _environment(self) -> dict[str, str]:
        values = await releases.environment_of(self.project, self.deployment)
        self.secret_values = [value for value in values.values() if len(value) >= 3]
        return values

    def root_directory(self) -> str:
        """The folder the build runs in: the project's root directory setting, else the one
        the repository's ``netlify.toml`` or ``autostack.json``/``.toml`` names (where
        detection looked too), else the repository's top."""
        if self.project.root_directory:
            return self.project.root_directory
        chosen = resolve_root_directory(SourceTree(self.workspace))
        return chosen.value if chosen is not None and chosen.value else "."

    def root_folder(self, relative: str | None = None) -> Path | None:
        """The real path of the root directory (``relative``, else :meth:`root_directory`),
        found through no link leaving the workspace."""
        relative = relative or self.root_directory()
        try:
            if user_files.is_dir(self.workspace, relative):
                return user_files.resolve(self.workspace, relative)
        except (OSError, user_files.OutsideTreeError):
            pass
        return None

    async def _detect(self) -> Detection:
        # Detection moves into a root directory a config file names itself.
        root = self.root_folder(self.project.root_directory or ".")
        if root is None:
            raise BuildError(f"root directory {self.project.root_directory!r} is not in the "
                             "source; fix it in the project settings")
        tree = SourceTree(root, top=self.workspace)
        detection = await detect(tree, self.app.plugin_manager, self.settings,
                                 project_overrides(self.project))
        if detection is None:
            raise BuildError("no framework detected and no output found: add an index.html "
                             "or set the build command and output directory")
        self.log.write("build", f"Detected {detection.name} ({detection.detector})", "system")
        for reason in detection.reasons:
            self.log.write("build", f"  {reason}", "system")
        await self.app.call_hook("inspect_source", app=self.app, deployment=self.deployment,
                                 tree=tree)
        return detection

    async def _pipeline_steps(self) -> StepRun:
        """The project's steps: ``autostack.json``'s ``pipeline`` (in the root directory, else
        the repository's top) wins over the project settings'."""
        root = self.root_folder()
        trees = [SourceTree(root, top=self.workspace)] if root is not None else []
        trees.append(SourceTree(self.workspace))
        try:
            repository = next((found for found in map(repository_pipeline, trees)
                               if found is not None), None)
            steps, source = resolve(repository, self.project.settings.get("pipeline"))
        except PipelineError as error:
            raise BuildError(f"the pipeline cannot run: {error}") from error
        run = StepRun(self.deployment, steps, source,
                      self.deployment.target == Environment.PRODUCTION)
        await run.save()
        self.log.write("build", "Pipeline from " + source + ": "
                       + " → ".join(step.name for step in steps), "system")
        return run

    async def _reused_output(self, key: str) -> str | None:
        previous = await Deployment.filter(
            project=self.project, source_hash=key, output_manifest_hash__isnull=False,
        ).exclude(id=self.deployment.id).order_by("-created_at").first()
        manifest_hash = None if previous is None else previous.output_manifest_hash
        if previous is None or manifest_hash is None or not self.store.has_manifest(manifest_hash):
            return None
        self.log.write("build", f"Same source and settings as deployment {previous.id}: "
                                "reusing its build output", "system")
        return manifest_hash

    async def _build_and_store(self, detection: Detection, build_env: dict[str, str]) -> str:
        with self.timings.measure("build"):
            await run_builder(self, detection, build_env)
        self.log.write("upload", "Storing build output", "system")
        with self.timings.measure("store"):
            return await store_output(self)

    async def _deploy(self, manifest_hash: str) -> None:
        started = time.monotonic()
        app, project, deployment = self.app, self.project, self.deployment
        self.log.write("deploy", "Deploying", "system")
        steps = self.steps
        runtime = app.runtimes.get(project.provider)
        if runtime is None:
            raise BuildError(releases.RuntimeMissing(app, project.provider).message)
        artifact = await releases.artifact_for(app, project, deployment)
        refused = sorted(artifact.kinds - runtime.accepts)
        if refused:
            runs = ", ".join(sorted(runtime.accepts)) or "nothing"
            raise BuildError(f"the build output holds {', '.join(refused)}, which the "
                             f"{runtime.name!r} runtime does not run (it runs {runs}); "
                             "choose another runtime in the project settings")
        release = await releases.release_for(app, project, deployment, runtime, artifact)
        endpoint = await releases.deploy(app, project, deployment, runtime, release)
        deploy_seconds = round(time.monotonic() - started, 3)
        self.timings.add("deploy", deploy_seconds)
        routing = time.monotonic()
        held = steps is not None and steps.needs_approval()
        if not await route_then_ready(app, project, deployment, release.hostnames[0], steps,
                                      endpoint, deploy_time_seconds=deploy_seconds):
            await runtime.destroy(deployment.id)
            raise Canceled()
        if held:
            self.log.write("deploy", "Waiting for a member's approval before production",
                           "system")
        self.timings.add("route", time.monotonic() - routing)
        self.log.write("deploy", self.timings.line(), "system")
        self.log.write("deploy", f"Ready at {deployment.deployment_url}", "system")
        screenshots.enqueue(app, deployment)


async def run_deployment(app: AutoStack, deployment_id: str, force: bool = False) -> None:
    """The queue task: run the pipeline for one deployment (if still queued)."""
    # The deployment and its project in one query (a project's deployments go with it).
    deployment = await Deployment.get_or_none(id=deployment_id).select_related("project")
    if deployment is None or deployment.state != State.QUEUED:
        return
    project: Project = deployment.project
    if not await quotas.build_slot_free(project.team_id):  # type: ignore[attr-defined]
        app.queue.enqueue_in(quotas.WAIT_FOR_BUILD_SLOT, "run_deployment", deployment_id, force)
        return
    pipeline = Pipeline(app, deployment, project, force)
    task = asyncio.current_task()
    if task is not None:
        app.running[deployment_id] = task
    try:
        await pipeline.run()
    finally:
        app.running.pop(deployment_id, None)

