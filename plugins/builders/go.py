"""The Go builder: ``go build`` in the sandbox, the binary and the source in ``server/``.

Go comes from the server (Debian's ``golang-go``, which ``./dev`` installs).
The build is static (``CGO_ENABLED=0``: no C toolchain needed, and the binary
runs in the read-only run sandbox). Go's build cache and module cache live in
the project's build cache (``$XDG_CACHE_HOME/go-build``, ``$HOME/go``), so a
rebuild compiles only what changed. A project with a ``vendor/`` folder builds
from it (``-mod=vendor``) and never downloads (``GOPROXY=off`` unless the
project's build environment sets one); otherwise ``go mod download`` fetches
what ``go.mod`` requires from the project's ``GOPROXY`` (Go's default without
one). A lone ``main.go`` without ``go.mod`` is made a module first (the
detection's ``go mod init app && go mod tidy``). The source is shipped beside
the binary, for the templates and static files apps read at run time.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_files
from autostack_core.interfaces import BuildContext, Detection

from .server_apps import exec_form, require_commands, require_toolchain, ship_server
from .steps import ignore_names, run_step

ENVIRONMENT = "export CGO_ENABLED=0; "
VENDORED = 'export GOFLAGS="-mod=vendor ${GOFLAGS:-}" GOPROXY="${GOPROXY:-off}"; '


class GoBuilder:
    """Builds Go servers (``go.mod`` with a ``main`` package, or a lone ``main.go``) into
    ``server/``."""

    name = "go"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "go"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        require_toolchain("Go", ("go",), "golang-go")
        require_commands(context, "Go", "build", "start")
        assert detection.build_command and detection.start_command
        prefix = ENVIRONMENT
        install = detection.install_command
        if user_files.is_dir(context.workspace, "vendor"):
            prefix += VENDORED
            install = None
            await context.log("Go: building from vendor/ (-mod=vendor), no module download")
        await run_step(context, "install", prefix + install if install else None)
        await run_step(context, "build", prefix + detection.build_command)
        await ship_server(context, "go", exec_form(detection.start_command),
                          ignore_names("vendor"))


@hookimpl
def register_builders(settings: Any) -> list[GoBuilder]:
    """The built-in Go builder."""
    return [GoBuilder()]
