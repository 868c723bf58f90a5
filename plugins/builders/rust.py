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

from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import BuildContext, Detection

from .server_apps import exec_form, require_commands, require_toolchain, ship_server
from .steps import ignore_names, run_step

ENVIRONMENT = ('export CARGO_HOME="$HOME/.cargo" CARGO_TARGET_DIR="$HOME/cargo-target"; ')
COPY_BINARIES = ('mkdir -p target/release && find "$CARGO_TARGET_DIR/release" -maxdepth 1 '
                 "-type f -perm -u+x -exec cp {} target/release/ ';'")


class RustBuilder:
    """Builds Rust servers (``Cargo.toml`` with ``src/main.rs``) into ``server/``."""

    name = "rust"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "rust"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        require_toolchain("Rust", ("cargo",), "cargo")
        require_commands(context, "Rust", "build", "start")
        assert detection.build_command and detection.start_command
        await run_step(context, "build",
                       f"{ENVIRONMENT}{detection.build_command} && {COPY_BINARIES}")
        await ship_server(context, "rust", exec_form(detection.start_command), ignore_names())


@hookimpl
def register_builders(settings: Any) -> list[RustBuilder]:
    """The built-in Rust builder."""
    return [RustBuilder()]
