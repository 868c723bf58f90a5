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
* ``autostack_core.build.workspaces``: a monorepo's workspaces (the member folders,
  the workspace packages an app depends on, the paths whose change rebuilds it),
  which the Node detector records and the Node build cache keeps, not specific to
  one framework.
* ``autostack_core.security.outbound``: outgoing HTTP that refuses private addresses
  (notifiers, DNS and git host plugins call user-given URLs).
* ``autostack_core.security.log_redaction``: the secret query parameters and the mask
  every log line uses.
* ``autostack_core.security.oidc``: an OpenID Connect issuer's discovery document
  and its ID tokens verified (signature, issuer, audience, expiry, nonce), for
  sign-in providers (Google's) as for team single sign-on.
* ``autostack_core.utils``: small helpers (slugs, private files, free ports).
* ``autostack_core.security.sealing``: the server's keyring, to seal what a plugin keeps
  at rest (the local runtime's saved app environments); key management stays
  in ``autostack_core.security.crypto``.
* ``autostack_core.infrastructure.dns_lookup``: DNS lookups through the server's configured
  resolvers (a certificate plugin waits for its ACME challenge record with it; the
  domains plugin checks ownership records with it).
* ``autostack_core.infrastructure.models.domains`` and ``...models.enums``: the
  tables of the domains plugin (``Domain``, ``ConnectedZone``), which the core
  keeps because Aerich runs one migration history for the app ``models``, and
  the plain enums its rows and checks use (``Role``, ``SslStatus``, ``AliasKind``).
  The other models are the core's: a plugin names their types
  (``autostack_core.infrastructure.models`` is type-only, below) and changes
  them through hooks and the services listed here.
* ``autostack_core.infrastructure.models.crons`` and ``autostack_core.services.crons``:
  the crons plugin's tables (kept in the core for the same reason) and what
  the plugin and the dashboard share about them (which deployment's crons
  run, the on/off setting, the history, a run started by hand, the
  protection bypass a cron request carries).
* ``autostack_core.infrastructure.models.forms`` and ``autostack_core.services.forms``:
  the forms plugin's tables (kept in the core for the same reason) and what
  the plugin, the dashboard and the submission endpoint share about them
  (finding forms in HTML, taking a submission, listing, CSV).
* ``autostack_core.infrastructure.models.uptime`` and ``autostack_core.services.uptime``:
  the uptime plugin's tables (kept in the core for the same reason) and what
  the plugin and the dashboard share about them (the settings, the production
  hostnames checked, the uptime figures and incidents).
* ``autostack_core.infrastructure.models.databases`` and ``autostack_core.services.databases``:
  the databases plugin's tables (kept in the core for the same reason) and what
  the plugin, the dashboard and the deploy pipeline share about them (names and
  types checked, links, the URLs linked deployments get, backups kept).
* ``autostack_core.services.analytics``, ``...analytics_ingest`` and
  ``...web_vitals``: the analytics plugin's queries (a project's or a
  deployment's figures over a range), what an edge plugin hands its requests
  to (the roll-ups and the cursor of its log) and the web vitals beacon's
  script, validation and storage.
* ``autostack_core.services.log_drains`` and ``autostack_core.services.drain_pump``:
  the log drains plugin's settings (checked URL, sealed headers, audited) and
  the pump its ``startup`` hook runs (build, runtime and edge logs to drains).
* ``autostack_core.services.aliases``: point a hostname a plugin serves (a
  custom domain) where the production or a branch alias points, drop it;
  the ``extra_hostnames`` hook keeps it there as the alias moves.
* ``autostack_core.services.quotas``: the team's plan enforced where an action
  happens (the domains plugin refuses a custom domain past the plan's limit
  before storing anything, as the core does for projects and members).
* ``autostack_core.services.audit``: the audit log's one writer, ``record``, so a
  plugin's change (a custom domain, a DNS zone's credentials) is in the team's
  log whichever front end asked for it, with the request's actor and address,
  secrets masked.
* ``autostack_core.api.deps``: what an API route a plugin adds with
  ``register_routes`` needs (the signed-in user, the project or team of the
  path at a role, a validated JSON body, the audit trail), so its routes
  check access exactly as the core's do.
* ``autostack_core.build.sandbox_layout`` and ``autostack_core.build.sandbox_network``:
  the bubblewrap sandbox's read-only system (``/etc``'s private files hidden)
  and its private network (slirp4netns, no host loopback), shared by the build
  sandbox and runtimes that run apps in bubblewrap (the local runtime), so both
  keep apps off the host's files and loopback the same way.
* ``autostack_core.services.node_sync``: what keeps an edge that runs on each
  node of a cluster serving every ready deployment of the shared database (the
  local plugin hands it what its Caddy serves and starts it from ``startup``);
  it reads the deployments, aliases and splits and serves them through the
  core's releases, as a promote does.
* ``autostack_core.cli.options``: the options and helpers every command
  shares (``--json``, ``--project``, ``--data-dir``, ``emit``,
  ``settings_from``, ``group_at``), for the commands a plugin adds with
  ``register_commands``; ``autostack_core.cli.api_client``: the client those
  commands call the server's API with (the saved token, JSON errors).

``autostack_core.app`` and ``autostack_core.infrastructure.models`` may be
imported for type annotations only (under ``if TYPE_CHECKING:``): hooks
receive the running app as their host object and the core's records
(``Project``, ``Team``), and a plugin may name their types, never import
those modules at run time.
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
    "autostack_core.build.workspaces",
    "autostack_core.security.outbound",
    "autostack_core.security.log_redaction",
    "autostack_core.security.oidc",
    "autostack_core.utils",
    "autostack_core.infrastructure.dns_lookup",
    "autostack_core.infrastructure.models.domains",
    "autostack_core.infrastructure.models.enums",
    "autostack_core.infrastructure.models.crons",
    "autostack_core.services.aliases",
    "autostack_core.services.audit",
    "autostack_core.services.quotas",
    "autostack_core.services.crons",
    "autostack_core.infrastructure.models.forms",
    "autostack_core.services.forms",
    "autostack_core.services.log_drains",
    "autostack_core.services.drain_pump",
    "autostack_core.services.analytics",
    "autostack_core.services.analytics_ingest",
    "autostack_core.services.web_vitals",
    "autostack_core.infrastructure.models.uptime",
    "autostack_core.services.uptime",
    "autostack_core.infrastructure.models.databases",
    "autostack_core.services.databases",
    "autostack_core.api.deps",
    "autostack_core.security.sealing",
    "autostack_core.build.sandbox_layout",
    "autostack_core.build.sandbox_network",
    "autostack_core.cli.options",
    "autostack_core.cli.api_client",
    "autostack_core.services.node_sync",
})
"""Modules a plugin may import; a package here includes its submodules, except that
``autostack_core`` itself means the package's ``__init__`` only."""

TYPE_ONLY_MODULES: frozenset[str] = frozenset({"autostack_core.app",
                                               "autostack_core.infrastructure.models"})
"""Modules a plugin may import under ``if TYPE_CHECKING:`` only."""


def is_public(module: str, type_only: bool = False) -> bool:
    """Whether a plugin may import ``module`` (``type_only``: under ``TYPE_CHECKING``)."""
    if module in PUBLIC_MODULES or (type_only and module in TYPE_ONLY_MODULES):
        return True
    return any(module.startswith(f"{package}.") for package in PUBLIC_MODULES
               if package != "autostack_core")
