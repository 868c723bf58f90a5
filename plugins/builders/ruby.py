"""The Ruby builder: Bundler installs the Gemfile's gems, the app runs with ``bundle exec``.

Ruby and Bundler come from the server (Debian's ``ruby`` and ``bundler``,
which ``./dev`` installs). Gems go to ``.gems`` in the app (``GEM_HOME``),
shipped with it in ``server/``; gems the server already has (Debian's
``ruby-rack``, ``ruby-webrick``, ``ruby-railties``...) are used as they are: the
install tries the installed gems and ``vendor/cache`` alone first (``bundle
install --local``) and asks the Gemfile's sources only for what is missing.
The start command (a Procfile's ``web:`` line, ``rails server`` for Rails,
``bundle exec rackup`` for a ``config.ru``) runs in ``/app`` with the same
``GEM_HOME``, in production (``RACK_ENV``, ``RAILS_ENV``; Rails logs to standard
output and serves ``public/`` itself), listening on the loopback: a bind to
``0.0.0.0`` is rewritten. The app folder is read-only there: Rails' ``tmp/``
folders are made by the build and its pid file goes to ``/tmp``.
"""

from __future__ import annotations

import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes
from autostack_core.interfaces import BuildContext, Detection

from .server_apps import require_commands, require_toolchain, ship_server
from .steps import ignore_names, run_step

GEMS = ".gems"
ENVIRONMENT = (f'export GEM_HOME="$PWD/{GEMS}" PATH="$PWD/{GEMS}/bin:$PATH" '
               'RACK_ENV="${RACK_ENV:-production}" RAILS_ENV="${RAILS_ENV:-production}" '
               'RAILS_LOG_TO_STDOUT="${RAILS_LOG_TO_STDOUT:-1}" '
               'RAILS_SERVE_STATIC_FILES="${RAILS_SERVE_STATIC_FILES:-1}" '
               'PIDFILE="${PIDFILE:-/tmp/server.pid}"; ')
#: What ``rails server`` creates at start (a no-op when they exist); the server's pid
#: file goes to the private /tmp (``PIDFILE`` above, ``-P`` in the detection's command).
RAILS_TMP = ("tmp/cache", "tmp/pids", "tmp/sockets")
#: Rails 7.1+ precompiles assets without the app's secret when this is set.
BUILD_ENVIRONMENT = 'export SECRET_KEY_BASE_DUMMY="${SECRET_KEY_BASE_DUMMY:-1}"; '
#: ``--no-cache``: with a ``vendor/cache`` Bundler would copy every gem used there, and the
#: server's gems (Debian's) have no ``.gem`` file to copy, which fails the install.
INSTALL = "bundle install --local --no-cache || bundle install --no-cache"
#: ``rackup --host``/``-o``, ``rails server --binding``/``-b``, ``puma -b tcp://``.
_ANY_HOST = re.compile(r"(--host[= ]|-o |--binding[= ]|-b (?:tcp://)?)0\.0\.0\.0")


def loopback(command: str) -> str:
    """``command`` with a bind to every address turned into one to the loopback."""
    return _ANY_HOST.sub(lambda m: f"{m[1]}127.0.0.1", command)


class RubyBuilder:
    """Builds Ruby apps (a ``Gemfile`` with Rails, a Procfile or a ``config.ru``) into
    ``server/``."""

    name = "ruby"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "ruby"

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        require_toolchain("Ruby", ("ruby", "bundle"), "ruby and bundler")
        require_commands(context, "Ruby", "start")
        assert detection.start_command
        install = detection.install_command
        if install == "bundle install":
            install = INSTALL
        await run_step(context, "install", ENVIRONMENT + install if install else None)
        if detection.build_command:
            await run_step(context, "build",
                           ENVIRONMENT + BUILD_ENVIRONMENT + detection.build_command)
        if detection.framework == "rails":
            # The app is read-only at run time: Rails' tmp folders must exist already (with
            # a file each: the deployment stores files, not empty folders).
            for folder in RAILS_TMP:
                user_file_writes.make_dirs(context.workspace, folder)
                user_file_writes.write_text(context.workspace, f"{folder}/.keep", "")
        start = loopback(detection.start_command)
        await ship_server(context, "ruby", ENVIRONMENT + start, ignore_names())


@hookimpl
def register_builders(settings: Any) -> list[RubyBuilder]:
    """The built-in Ruby builder."""
    return [RubyBuilder()]
