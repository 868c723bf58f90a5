"""The Go builder: ``go build`` in the sandbox, the binary and the source in ``server/``.

Go comes from the server (Debian's ``golang-go``, which ``./dev`` installs).
The build is static (``CGO_ENABLED=0``: no C toolchain needed, and the binary
runs in the read-only run sandbox). Go's build cache and module cache live in
the project's build cache (``$XDG_CACHE_HOME/go-build``, ``$HOME/go``), so a
rebuild compiles only what changed. A project with a ``vendor/`` folder builds
from it (``-mod=vendor``) and never downloads (``GOPROXY=off`` unless the
project's build environment sets one); otherwise ``go mod download`` fetches
what ``go.mod`` requires from the project's ``GOPROXY`` (Go's default without
one). The source is shipped beside the binary, for the templates and static
files apps read at run time.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection

from .node_toolchain import installed
from .routes_config import build_config
from .static_site import project_rules
from .steps import ignore_names, run_step, warn_skipped, write_json, write_server

ENVIRONMENT = "export CGO_ENABLED=0; "
_SHELL_SYNTAX = re.compile(r"[;&|<>()`$]")
VENDORED = 'export GOFLAGS="-mod=vendor ${GOFLAGS:-}" GOPROXY="${GOPROXY:-off}"; '


class GoBuilder:
    """Builds Go servers (``go.mod`` with a ``main`` package) into ``server/``."""

    name = "go"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "go"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        if not installed("go"):
            raise BuildError("this is a Go app and Go is not installed on this server "
                             "(install Debian's golang-go)")
        if not detection.build_command or not detection.start_command:
            raise BuildError("no build or start command for this Go app: set them in the "
                             "project settings")
        prefix = ENVIRONMENT
        install = detection.install_command
        if user_files.is_dir(context.workspace, "vendor"):
            prefix += VENDORED
            install = None
            await context.log("Go: building from vendor/ (-mod=vendor), no module download")
        await run_step(context, "install", prefix + install if install else None)
        await run_step(context, "build", prefix + detection.build_command)
        skipped = await asyncio.to_thread(
            user_file_writes.copy_tree, context.workspace, ".", context.output_dir, "server",
            ignore_names("vendor"))
        await warn_skipped(context, skipped)
        rules = project_rules(context.workspace)
        for warning in rules.warnings:
            await context.log(f"warning: {warning}")
        write_json(context.output_dir, "config.json", build_config(rules, files=[]))
        command = detection.start_command
        if not _SHELL_SYNTAX.search(command.replace("$PORT", "")):
            command = f"exec {command}"
        write_server(context.output_dir, "go", command)
        await context.log(f"server app in server/, started with: {command}")


@hookimpl
def register_builders(settings: Any) -> list[GoBuilder]:
    """The built-in Go builder."""
    return [GoBuilder()]
