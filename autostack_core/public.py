"""The core's public surface: the only ``autostack_core`` modules a plugin may import.

A plugin (anything under ``autostack_plugins``, or a pip-installed package
loaded through the ``autostack`` entry point) is written against these and
nothing else, so the core's other modules can change without breaking it.
``tests/unit/test_dependency_rules.py`` checks every built-in plugin and the
example plugin packages in ``tests/plugins/`` against this list; a built-in
that needs something else is missing a hook or a public helper, which is
added here, on purpose and documented, rather than imported around the list.

What is public, and why:

* ``autostack_core`` itself: :data:`~autostack_core.hookimpl` and ``__version__``.
* ``autostack_core.hookspecs``: the hook specifications, the contract.
* ``autostack_core.interfaces`` (every submodule): what plugins implement or
  receive (detections, builds, the Runtime and Edge contracts, git hosts,
  sign-in providers, tasks).
* ``autostack_core.config``: the server's settings, handed to hooks.
* ``autostack_core.errors`` and ``autostack_core.build.build_errors``: the errors a
  plugin raises for the core to show (an API error, a build error with its
  hint).
* ``autostack_core.build.user_files`` and ``autostack_core.build.user_file_writes``:
  reading, and writing and copying, a user's workspace without following links
  out of it (builders must use them).
* ``autostack_core.security.outbound``: outgoing HTTP that refuses private addresses
  (notifiers, DNS and git host plugins call user-given URLs).
* ``autostack_core.security.log_redaction``: the secret query parameters and the mask
  every log line uses.
* ``autostack_core.utils``: small helpers (slugs, private files, free ports).
* ``autostack_core.security.sealing``: the server's keyring, to seal what a plugin keeps
  at rest (the local runtime's saved app environments); key management stays
  in ``autostack_core.security.crypto``.
* ``autostack_core.domains.dns_lookup``: DNS lookups through the server's configured
  resolvers (a certificate plugin waits for its ACME challenge record with it).
* ``autostack_core.build.sandbox_layout`` and ``autostack_core.build.sandbox_network``:
  the bubblewrap sandbox's read-only system (``/etc``'s private files hidden)
  and its private network (slirp4netns, no host loopback), shared by the build
  sandbox and runtimes that run apps in bubblewrap (the local runtime), so both
  keep apps off the host's files and loopback the same way.
* ``autostack_core.cli.options``: the options and helpers every command
  shares (``--json``, ``--project``, ``--data-dir``, ``emit``,
  ``settings_from``, ``group_at``), for the commands a plugin adds with
  ``register_commands``; ``autostack_core.cli.api_client``: the client those
  commands call the server's API with (the saved token, JSON errors).

``autostack_core.app`` may be imported for type annotations only (under
``if TYPE_CHECKING:``): hooks receive the running app as their host object,
and a plugin may name its type, never import the app module at run time.
"""

from __future__ import annotations

PUBLIC_MODULES: frozenset[str] = frozenset({
    "autostack_core",
    "autostack_core.hookspecs",
    "autostack_core.interfaces",
    "autostack_core.config",
    "autostack_core.errors",
    "autostack_core.build.build_errors",
    "autostack_core.build.user_files",
    "autostack_core.build.user_file_writes",
    "autostack_core.security.outbound",
    "autostack_core.security.log_redaction",
    "autostack_core.utils",
    "autostack_core.domains.dns_lookup",
    "autostack_core.security.sealing",
    "autostack_core.build.sandbox_layout",
    "autostack_core.build.sandbox_network",
    "autostack_core.cli.options",
    "autostack_core.cli.api_client",
})
"""Modules a plugin may import; a package here includes its submodules, except that
``autostack_core`` itself means the package's ``__init__`` only."""

TYPE_ONLY_MODULES: frozenset[str] = frozenset({"autostack_core.app"})
"""Modules a plugin may import under ``if TYPE_CHECKING:`` only."""


def is_public(module: str, type_only: bool = False) -> bool:
    """Whether a plugin may import ``module`` (``type_only``: under ``TYPE_CHECKING``)."""
    if module in PUBLIC_MODULES or (type_only and module in TYPE_ONLY_MODULES):
        return True
    return any(module.startswith(f"{package}.") for package in PUBLIC_MODULES
               if package != "autostack_core")
