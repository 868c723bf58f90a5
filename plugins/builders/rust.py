"""The Rust builder: ``cargo build --release`` in the sandbox, the binary in ``server/``.

Cargo and rustc come from the server (Debian's ``cargo``, which ``./dev``
installs). Cargo's target folder is kept in the project's build cache
(``CARGO_TARGET_DIR`` under ``$HOME``), with its registry (``CARGO_HOME``), so a
rebuild does not compile the crates again (the app's own crate is, as each
checkout's files are new to Cargo); the release binaries are then copied to
``target/release/`` of the app, where the start command finds them, and the
app ships with its source (for the files it reads at run time) but not the
cache. A ``vendor/`` folder set up by ``cargo vendor`` (``.cargo/config.toml``)
builds offline; otherwise crates come from the project's registry.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection

from .node_toolchain import installed
from .routes_config import build_config
from .static_site import project_rules
from .steps import ignore_names, run_step, warn_skipped, write_json, write_server

ENVIRONMENT = ('export CARGO_HOME="$HOME/.cargo" CARGO_TARGET_DIR="$HOME/cargo-target"; ')
COPY_BINARIES = ('mkdir -p target/release && find "$CARGO_TARGET_DIR/release" -maxdepth 1 '
                 "-type f -perm -u+x -exec cp {} target/release/ ';'")
_SHELL_SYNTAX = re.compile(r"[;&|<>()`$]")


class RustBuilder:
    """Builds Rust servers (``Cargo.toml`` with ``src/main.rs``) into ``server/``."""

    name = "rust"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "rust"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        if not installed("cargo"):
            raise BuildError("this is a Rust app and Cargo is not installed on this server "
                             "(install Debian's cargo)")
        if not detection.build_command or not detection.start_command:
            raise BuildError("no build or start command for this Rust app: set them in the "
                             "project settings")
        await run_step(context, "build",
                       f"{ENVIRONMENT}{detection.build_command} && {COPY_BINARIES}")
        skipped = await asyncio.to_thread(
            user_file_writes.copy_tree, context.workspace, ".", context.output_dir, "server",
            ignore_names())
        await warn_skipped(context, skipped)
        rules = project_rules(context.workspace)
        write_json(context.output_dir, "config.json", build_config(rules, files=[]))
        command = detection.start_command
        if not _SHELL_SYNTAX.search(command.replace("$PORT", "")):
            command = f"exec {command}"
        write_server(context.output_dir, "rust", command)
        await context.log(f"server app in server/, started with: {command}")


@hookimpl
def register_builders(settings: Any) -> list[RustBuilder]:
    """The built-in Rust builder."""
    return [RustBuilder()]
