"""What the Go, Ruby and Rust builders share: toolchain and command checks, and shipping
the built app as a server in ``server/``."""

from __future__ import annotations

import re

from autostack_core.build.build_errors import BuildError
from autostack_core.build.user_file_writes import Ignore
from autostack_core.interfaces import BuildContext

from .node_toolchain import installed
from .routes_config import build_config
from .static_site import project_rules
from .steps import publish, write_json, write_server

_SHELL_SYNTAX = re.compile(r"[;&|<>()`$]")


def require_toolchain(language: str, tools: tuple[str, ...], packages: str) -> None:
    """Fail the build naming the Debian ``packages`` when one of ``tools`` is missing."""
    if not all(installed(tool) for tool in tools):
        raise BuildError(f"this is a {language} app and {packages} is not installed on this "
                         f"server (install Debian's {packages})")


def require_commands(context: BuildContext, language: str, *fields: str) -> None:
    """Fail the build when the detection lacks one of ``fields`` (``build``, ``start``)."""
    missing = [field for field in fields
               if not getattr(context.detection, f"{field}_command")]
    if missing:
        raise BuildError(f"no {' or '.join(missing)} command for this {language} app: set "
                         "them in the project settings")


def exec_form(command: str) -> str:
    """``exec command`` when it is a single program (the server then gets the signals),
    else the shell line as it is."""
    if _SHELL_SYNTAX.search(command.replace("$PORT", "")):
        return command
    return f"exec {command}"


async def ship_server(context: BuildContext, runtime: str, command: str,
                      ignore: Ignore) -> None:
    """Copy the app with its source to ``server/``, its routes to ``config.json``, and say
    in ``server.json`` that ``command`` starts it."""
    await publish(context, ".", "server", ignore)
    rules = project_rules(context.workspace)
    for warning in rules.warnings:
        await context.log(f"warning: {warning}")
    write_json(context.output_dir, "config.json", build_config(rules, files=[]))
    write_server(context.output_dir, runtime, command)
    await context.log(f"server app in server/, started with: {command}")
