"""Build a Dockerfile into an OCI image with buildah and push it to the registry.

Used by the Dockerfile builder when the server has a registry
(``AUTOSTACK_REGISTRY``). buildah runs on the worker as root (it cannot run
inside the bubblewrap build sandbox); what the sandbox's limits become:

* wall time: the build's budget (``build_timeout_seconds``) for pulling, building
  and pushing together; past it buildah's process group is killed;
* memory: every ``RUN`` step is a container limited to ``build_memory_mb``
  without swap (``--memory``), as sandboxed build commands are;
* network: ``RUN`` steps get buildah's private network, which reaches the
  internet (package installs) but not the host's loopback, like the sandbox's
  slirp4netns; the workspace is the only host folder they see (the context).

CPU time is not capped per process (the sandbox's ``ulimit -t``): the wall
time bounds it. On timeout buildah gets SIGTERM, which stops its RUN
container, then SIGKILL.

The image goes to the repository the project's runtime names
(``context.push_target``: an EKS cluster's ECR repository, with its login, written
to a private auth file for ``buildah push --authfile`` and removed after), else to
``<AUTOSTACK_REGISTRY>/<project>``.

Base images (``FROM``) come from this machine's image store or are pulled,
short names from ``AUTOSTACK_BASE_IMAGE_REGISTRY`` first when it is set. A
base that cannot be pulled stops the build before anything runs, naming the
image and the setting. Registries on the loopback are spoken to over plain
HTTP, as Docker does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, PushTarget
from autostack_core.utils import random_id, write_private

# Without it, setting RLIMIT_NOFILE fails in a container on hosts like this one (FACTS).
CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"
LOOPBACK_HOSTS = ("127.", "localhost", "[::1]")
STOP_GRACE_SECONDS = 10
# What buildah prints when a RUN step's container was killed (the memory cgroup's OOM kill).
KILLED_RUN = "container exited on killed"


@dataclass(frozen=True)
class PushedImage:
    """An image in the registry: ``reference`` (by digest) is what runtimes pull."""

    repository: str
    tag: str
    digest: str

    @property
    def reference(self) -> str:
        return f"{self.repository}@{self.digest}"


def containers_environment(settings: Any) -> dict[str, str]:
    """The environment for buildah: a containers.conf that works on this kind of host
    (``CONTAINERS_CONF`` from the server's own environment wins), and registries.conf
    naming the base image registry first."""
    env = dict(os.environ)
    folder = Path(settings.path("containers"))
    folder.mkdir(parents=True, exist_ok=True)
    if not env.get("CONTAINERS_CONF"):
        conf = folder / "containers.conf"
        if not conf.exists():
            conf.write_text(CONTAINERS_CONF)
        env["CONTAINERS_CONF"] = str(conf)
    mirror = settings.base_image_registry
    if mirror:
        registries = folder / "registries.conf"
        insecure = "true" if on_loopback(mirror) else "false"
        registries.write_text(
            f'unqualified-search-registries = ["{mirror}", "docker.io"]\n\n'
            f'[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n'
            f'[[registry.mirror]]\nlocation = "{mirror}"\ninsecure = {insecure}\n\n'
            f'[[registry]]\nlocation = "{mirror}"\ninsecure = {insecure}\n')
        env["CONTAINERS_REGISTRIES_CONF"] = str(registries)
    return env


def on_loopback(registry: str) -> bool:
    return registry.startswith(LOOPBACK_HOSTS)


def tls_flag(reference: str) -> list[str]:
    return ["--tls-verify=false"] if on_loopback(reference) else []


async def push_destination(context: BuildContext) -> PushTarget | None:
    """Where an image of this build goes: the runtime's own repository (with its login),
    else ``<AUTOSTACK_REGISTRY>/<project>``; None when neither is set."""
    target = await context.push_target() if context.push_target else None
    registry = getattr(context.settings, "registry", None)
    if target is None and registry:
        target = PushTarget(f"{registry.rstrip('/')}/{context.project_name or 'app'}".lower())
    return target


def write_auth_file(path: Path, target: PushTarget) -> bool:
    """Write ``target``'s login as a containers auth file (mode 0600); False without one."""
    if not target.username:
        return False
    host = target.repository.split("/", 1)[0]
    auth = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
    write_private(path, json.dumps({"auths": {host: {"auth": auth}}}))
    return True


class ImageBuild:
    """One Dockerfile build: pull the bases, ``buildah bud``, push, within one time budget."""

    def __init__(self, context: BuildContext, dockerfile: str,
                 folder: Path | None = None) -> None:
        self.context = context
        self.settings = context.settings
        self.dockerfile = dockerfile
        self.folder = folder or context.workspace
        """The build context (the workspace unless a packager gives its own folder)."""
        self.env = containers_environment(self.settings)
        self.deadline = time.monotonic() + float(self.settings.build_timeout_seconds)

    async def run(self, bases: list[str], target: PushTarget) -> PushedImage:
        """Build and push; the local copy is removed afterwards (the registry keeps it)."""
        repository = target.repository
        tag = random_id(12).lower()
        local = f"{repository}:{tag}"
        for base in bases:
            await self.ensure_base(base)
        memory = f"{self.settings.build_memory_mb}m"
        await self.buildah("bud", "--runtime", "runc", "--pull=false", "--layers=false",
                           "--memory", memory, "--memory-swap", memory,
                           "-f", self.dockerfile, "-t", local, ".", step="image")
        digest_file = self.context.output_dir.parent / f".digest-{tag}"
        auth_file = self.context.output_dir.parent / f".auth-{tag}.json"
        login = ["--authfile", str(auth_file)] if write_auth_file(auth_file, target) else []
        try:
            await self.buildah("push", *tls_flag(repository), *login, "--digestfile",
                               str(digest_file), local, f"docker://{local}", step="push")
            digest = digest_file.read_text().strip()
        finally:
            digest_file.unlink(missing_ok=True)
            auth_file.unlink(missing_ok=True)
            with contextlib.suppress(BuildError):
                await self.buildah("rmi", local, step="cleanup", quiet=True)
        return PushedImage(repository=repository, tag=tag, digest=digest)

    async def ensure_base(self, base: str) -> None:
        """Have ``base`` in the local image store, pulling it if needed; BuildError if it
        cannot be pulled, naming the image and the setting to change."""
        if await self.buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}",
                              base, step="base", quiet=True, check=False) == 0:
            return
        await self.context.log(f"pulling base image {base}")
        output: list[str] = []
        code = await self.buildah("pull", "--retry", "1", *tls_flag(base), base, step="base",
                                  quiet=True,
                                  check=False, output=output)
        if code != 0:
            reason = next((line for line in reversed(output) if line.strip()), "no output")
            where = f"AUTOSTACK_BASE_IMAGE_REGISTRY={self.settings.base_image_registry}" \
                if self.settings.base_image_registry else "no AUTOSTACK_BASE_IMAGE_REGISTRY"
            raise BuildError(
                f"the base image `{base}` (FROM in {self.dockerfile}) cannot be pulled "
                f"({where}): {reason[-300:]}. Set AUTOSTACK_BASE_IMAGE_REGISTRY to a registry "
                "or mirror that has it, or put the image on this machine (podman load)")

    async def buildah(self, *args: str, step: str, quiet: bool = False, check: bool = True,
                      output: list[str] | None = None) -> int:
        """Run buildah in the workspace, lines to the build log, within the budget's rest."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise BuildError(self._timeout_message())
        process = await asyncio.create_subprocess_exec(
            "buildah", *args, cwd=self.folder, env=self.env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        lines = output if output is not None else []

        async def pump() -> None:
            assert process.stdout is not None
            async for raw in process.stdout:
                line = raw.decode(errors="replace").rstrip()
                lines.append(line)
                if not quiet:
                    await self.context.log(line)

        try:
            await asyncio.wait_for(asyncio.gather(pump(), process.wait()), remaining)
        except TimeoutError:
            await self._stop(process)
            raise BuildError(self._timeout_message()) from None
        code = process.returncode or 0
        if check and code != 0 and KILLED_RUN in lines:
            raise BuildError(f"a RUN step was killed, most likely out of memory (the limit is "
                             f"{self.settings.build_memory_mb} MB, build_memory_mb)")
        if check and code != 0:
            tail = "; ".join(line for line in lines[-3:] if line)
            raise BuildError(f"buildah {args[0]} ({step}) exited with code {code}: {tail}")
        return code

    @staticmethod
    async def _stop(process: asyncio.subprocess.Process) -> None:
        """SIGTERM first: buildah then kills its RUN step's container, which runs in a
        session of its own that killing buildah's process group would miss."""
        for sig, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                await asyncio.wait_for(process.wait(), grace)
                return
            except TimeoutError:
                continue

    def _timeout_message(self) -> str:
        return (f"build timed out after {self.settings.build_timeout_seconds} s while building "
                "the image; buildah and every process of the build were killed")
