"""The Ruby builder: Bundler installs the Gemfile's gems, the app runs with ``bundle exec``.

Ruby and Bundler come from the server (Debian's ``ruby`` and ``bundler``,
which ``./dev`` installs). Gems go to ``.gems`` in the app (``GEM_HOME``),
shipped with it in ``server/``; gems the server already has (Debian's
``ruby-rack``, ``ruby-webrick``, ...) are used as they are: the install tries
the installed gems alone first (``bundle install --local``) and asks the
Gemfile's sources only for what is missing. The start command (``bundle exec
rackup`` for a ``config.ru``, or a Procfile's ``web:`` line) runs in ``/app``
with the same ``GEM_HOME``, listening on the loopback.
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

GEMS = ".gems"
ENVIRONMENT = (f'export GEM_HOME="$PWD/{GEMS}" PATH="$PWD/{GEMS}/bin:$PATH" '
               'RACK_ENV="${RACK_ENV:-production}"; ')
INSTALL = "bundle install --local || bundle install"
_ANY_HOST = re.compile(r"(--host[= ]|-o )0\.0\.0\.0")


class RubyBuilder:
    """Builds Rack apps (``config.ru`` with a ``Gemfile``) into ``server/``."""

    name = "ruby"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "ruby"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        if not (installed("ruby") and installed("bundle")):
            raise BuildError("this is a Ruby app and Ruby with Bundler is not installed on "
                             "this server (install Debian's ruby and bundler)")
        if not detection.start_command:
            raise BuildError("no start command for this Ruby app: add a Procfile `web:` line "
                             "or set the start command in the project settings")
        install = detection.install_command
        if install == "bundle install":
            install = INSTALL
        await run_step(context, "install", ENVIRONMENT + install if install else None)
        if detection.build_command:
            await run_step(context, "build", ENVIRONMENT + detection.build_command)
        skipped = await asyncio.to_thread(
            user_file_writes.copy_tree, context.workspace, ".", context.output_dir, "server",
            ignore_names())
        await warn_skipped(context, skipped)
        rules = project_rules(context.workspace)
        write_json(context.output_dir, "config.json", build_config(rules, files=[]))
        start = _ANY_HOST.sub(lambda m: f"{m[1]}127.0.0.1", detection.start_command)
        write_server(context.output_dir, "ruby", ENVIRONMENT + start)
        await context.log(f"server app in server/, started with: {start}")


@hookimpl
def register_builders(settings: Any) -> list[RubyBuilder]:
    """The built-in Ruby builder."""
    return [RubyBuilder()]
