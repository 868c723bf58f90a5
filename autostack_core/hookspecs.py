# mypy: disable-error-code="empty-body"
# (a hookspec is a specification: its body is its docstring, and pluggy never calls it)
"""The plugin hooks of AutoStack: the contract between the core and every plugin.

Plugins implement hooks with ``from autostack_core import hookimpl``. A hook may
return its value directly, a callable returning it, or an awaitable; the core
awaits whatever it gets. Hooks take keyword arguments, so a plugin names only the
arguments it needs. The built-in plugins use exactly these hooks and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from collections.abc import Awaitable

    import click
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Deployment, Plan, Project, Team
    from autostack_core.interfaces import (
        BuildContext,
        Builder,
        DeploymentTemplate,
        Detection,
        DnsHost,
        Event,
        Notifier,
        SourceTree,
    )
    from autostack_core.interfaces.checks import Check
    from autostack_core.interfaces.domains import Domains
    from autostack_core.interfaces.edge import Edge
    from autostack_core.interfaces.git_host import GitHost
    from autostack_core.interfaces.runtime import Runtime
    from autostack_core.interfaces.services import DatabaseServers, Service
    from autostack_core.interfaces.sign_in import SignInProvider
    from autostack_core.interfaces.tasks import Task

hookspec = HookspecMarker("autostack")
hookimpl = HookimplMarker("autostack")


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


@hookspec
def detect_framework(tree: SourceTree, settings: Settings) -> Detection | None:
    """Recognise the framework of a source tree.

    ``tree`` is an :class:`autostack_core.interfaces.SourceTree` rooted at the
    project's root directory: use ``tree.exists``, ``tree.read_text``,
    ``tree.read_json`` and ``tree.package_json`` rather than touching the disk.
    ``settings`` is the server's :class:`autostack_core.config.Settings`.

    Return an :class:`autostack_core.interfaces.Detection` when you recognise
    the tree, or ``None``. Every detector is asked; the detection with the
    highest ``confidence`` wins, never the first one, so plugin order does not
    matter. Fill ``reasons`` with sentences a user can check ("``next@^14`` in
    dependencies"). Generic fallbacks (plain static HTML, Procfile) should be
    registered with ``@hookimpl(trylast=True)`` and report a low confidence.
    Called by the deploy pipeline before building, and by ``autostack detect``.
    """


@hookspec
def framework_slugs(settings: Settings) -> list[str]:
    """The framework slugs your :func:`detect_framework` can return (``nextjs``, ``flask``).

    A project's ``framework`` setting must be one of the slugs all detectors
    list (or a Vercel alias of one): ``nosuchframework`` is refused with a 422
    listing the valid ones instead of being saved and ignored at build time.
    """


@hookspec
def inspect_source(app: AutoStack, deployment: Deployment,
                   tree: SourceTree) -> Awaitable[None] | None:
    """Read a deployment's source during its build, after detection, before building.

    ``tree`` is the project's root directory as a read-only
    :class:`autostack_core.interfaces.SourceTree`; ``deployment`` is the
    deployment being built (its ``target`` says production or preview).
    Check the configuration your plugin reads there and record what it needs
    in its own tables, keyed by the deployment (the crons plugin records
    ``vercel.json``'s ``crons``). Raise
    :class:`autostack_core.build.build_errors.BuildError` to fail the build: its
    message is the deployment's error, so name the file and the field. Called
    for every build, including one whose output is reused from an identical
    earlier build; may return an awaitable. Every plugin is called.
    """


# ---------------------------------------------------------------------------
# Building and running
# ---------------------------------------------------------------------------


@hookspec
def register_builders(settings: Settings) -> list[Builder]:
    """Return a list of builders.

    A builder follows :class:`autostack_core.interfaces.Builder`: a unique
    ``name``, ``can_build(detection)`` and ``async build(context)``, which runs
    the install and build commands through ``context.run`` (always sandboxed)
    and writes the Build Output API v3 layout (``static/``, ``functions/``,
    ``config.json``) into ``context.output_dir``. Among the builders whose
    ``can_build`` is true, the one with the highest ``priority`` builds.
    The workspace is the user's, symlinks included: read it with
    :mod:`autostack_core.build.user_files`, write and copy it (and the output)
    with :mod:`autostack_core.build.user_file_writes`; both follow no link out
    of the tree. Never use ``open`` or ``shutil`` on it.
    Called once per deployment, after detection.
    """


@hookspec
def package_image(context: BuildContext) -> Awaitable[None] | None:
    """Package a finished build's output as an OCI image for a runtime that runs only images.

    Called after the builder, only when the project's runtime accepts nothing but
    images (``context.provider`` in ``context.image_runtimes``) and the output has
    no ``image.json`` yet (a Dockerfile build writes its own). Replace the output
    with ``image.json`` naming the pushed image's ``reference`` and ``digest``, or
    leave it (the deploy then refuses it, naming the output kinds); raise
    :class:`autostack_core.build.build_errors.BuildError` to fail the build with
    its message. May return an awaitable. Every plugin is called.
    """


@hookspec
def register_runtimes(settings: Settings) -> list[Runtime]:
    """Return a list of runtimes: where deployments run.

    A runtime follows :class:`autostack_core.interfaces.runtime.Runtime`: a
    unique ``name`` (a project picks one, ``local`` by default), the output
    kinds it ``accepts`` and the ``config_fields`` it needs. The core calls
    ``start`` once at start-up (after the edge's) and ``stop`` at a clean
    shutdown; ``publish`` then ``deploy`` once a build is stored and whenever an
    alias needs the release (``deploy`` is idempotent: it wakes a release that
    sleeps and returns its :class:`autostack_core.interfaces.runtime.Endpoint`);
    ``destroy`` when a deployment is deleted or garbage-collected; ``scale``
    when the project's scale settings change; ``status``, ``logs`` and
    ``cost_estimate`` for the API and the dashboard. Called once at start-up.
    """


@hookspec
def register_edges(settings: Settings) -> list[Edge]:
    """Return a list of edges: how traffic reaches the runtimes' endpoints.

    An edge follows :class:`autostack_core.interfaces.edge.Edge`: a unique
    ``name``, ``bind`` (a hostname to weighted endpoints), ``unbind``,
    ``redirect``, ``certificate`` and ``public_url``. The server uses the one
    edge named by its ``edge`` setting (``AUTOSTACK_EDGE``, ``local`` by
    default): it is started before the runtimes and stopped after them, and
    every alias the core moves is a ``bind``. A runtime's endpoints must be
    ones the chosen edge can reach (the ``local`` runtime's need the ``local``
    edge). Called once at start-up.
    """


@hookspec
def register_notifiers(settings: Settings) -> list[Notifier]:
    """Return a list of notifiers.

    A notifier follows :class:`autostack_core.interfaces.Notifier`: a unique
    ``name`` and ``async send(event, config)``. Notifiers are configured per
    project (a Slack webhook URL, an e-mail address); ``notify`` below is the
    hook for plugins that want every event without configuration.
    """


@hookspec
def register_dns_hosts(settings: Settings) -> list[DnsHost]:
    """Return a list of DNS hosts: where a team's DNS zones are hosted.

    A DNS host follows :class:`autostack_core.interfaces.DnsHost`: a
    unique ``name`` (``route53``), the ``fields`` a user fills in to connect a
    zone (ids and credentials; every value is stored encrypted) and
    ``connect(config)``, which returns a :class:`autostack_core.interfaces.DnsZone`
    that can ``upsert`` and ``delete`` record sets. The domains plugin uses it
    to create a custom domain's verification and A/CNAME records itself when
    the domain lies in a zone the team connected, and the local edge answers
    the ACME DNS-01 challenge for the base domain's wildcard certificate with
    the DNS host the server names (``AUTOSTACK_DNS_HOST``). The core keeps
    them as ``app.dns_hosts`` by name. Called once at start-up.
    """


@hookspec(firstresult=True)
def register_domains(app: AutoStack) -> Domains | None:
    """Return the custom domains feature the dashboard calls, or ``None``.

    The result follows :class:`autostack_core.interfaces.domains.Domains`
    (add, verify, remove and describe a project's domains; connect, list and
    disconnect a team's DNS zones) and is kept as ``app.domains``; with no
    plugin answering, ``app.domains`` is ``None``: the dashboard lists no
    domains or zones and its domain forms answer 404. The first non-``None``
    result wins (the built-in ``autostack_plugins.domains``). Called once at
    start-up, after every ``register_*`` list hook.
    """


@hookspec
def extra_hostnames(app: AutoStack, project: Project, hostname: str) -> list[str]:
    """Return more hostnames that serve what the alias ``hostname`` serves.

    Called whenever the production alias or a branch alias of ``project``
    moves (deploy, promote, rollback): the core points each returned hostname
    at the same deployment (an alias of kind ``custom``) and binds it at the
    edge, so custom domains follow their target. Every plugin is asked and
    the lists are joined; a hostname the core cannot point (another project
    has it) is logged and skipped, the others still move. Return only
    hostnames that are yours to serve (the domains plugin returns the
    verified domains that follow ``hostname`` and redirect nowhere).
    """


@hookspec
def extra_redirects(app: AutoStack) -> list[tuple[str, str, int]]:
    """Return every hostname your plugin redirects, as ``(hostname, target hostname, status)``.

    Called on each node of a cluster (several nodes sharing the database, Redis
    and the S3 store: docs/scaling.md) by its edge sync, at start, when a node
    announces a change and every 30 s: the node's edge redirects exactly the
    returned hostnames with :meth:`Edge.redirect` and stops redirecting those no
    plugin returns any more, so a redirect set through one node is served by
    all. Every plugin is asked and the lists are joined. Not called on a single
    box, where the plugin's own ``Edge.redirect`` call is all there is. The
    domains plugin returns its verified domains that redirect.
    """


@hookspec
def register_services(settings: Settings) -> list[Service]:
    """Return a list of database services a team can create with one click.

    Each item follows :class:`autostack_core.interfaces.services.Service`: a
    ``name`` (the kind's slug, what ``autostack databases create --type``
    names), the variable its URL goes in (``env_key``), how to initialize an
    empty data folder, the server's argv, a readiness check, a backup and a
    restore. The core keeps the rows (password sealed), runs the server on
    the local runtime in a sandbox, restarts it when it crashes, injects its
    URL into linked deployments and runs the scheduled backups. Called when a
    database is created, started or backed up. Two services of the same
    ``name`` are refused with an error naming it.
    """


@hookspec(firstresult=True)
def register_database_servers(app: AutoStack) -> DatabaseServers | None:
    """Return what runs the database servers, for the dashboard, or ``None``.

    The result follows :class:`autostack_core.interfaces.services.DatabaseServers`
    (start a new database's server in the background, delete, back up, restore,
    size on disk) and is kept as ``app.database_servers``; with no plugin
    answering it is ``None`` and the dashboard's database forms answer 404. The
    first non-``None`` result wins (the built-in ``autostack_plugins.services``).
    Called once at start-up, after every ``register_*`` list hook.
    """


@hookspec
def register_git_hosts(settings: Settings) -> list[GitHost]:
    """Return a list of git hosts: whose webhooks deploy, and whose repositories connect.

    A git host follows :class:`autostack_core.interfaces.git_host.GitHost`: a
    unique ``name``, the ``signature_headers`` it signs with, and
    ``has_signature``, ``delivery_id``, ``verify`` and ``parse``, which turns a
    delivery into provider-neutral :class:`autostack_core.interfaces.git_host.GitEvent`
    pushes, pull requests and deleted branches. The core serves
    ``POST /api/v1/webhooks/{name}`` for each host, checks the delivery
    against the secret of every project whose repository it names, and
    decides what each event deploys. A host that is data (headers and two
    functions) is a :class:`autostack_core.interfaces.git_host.WebhookFormat`
    and connects no accounts. A host whose accounts people connect (GitHub)
    also has a ``title``, declares its OAuth app (``oauth_app(settings)``: the
    authorize and token URLs, scopes and the app's credentials; the core runs
    ``/auth/{name}/connect``) and who a token belongs to (``account``), and
    answers ``repository_of``, ``repositories``, ``repository``,
    ``ensure_webhook``, ``clone_as_user`` and ``clone_for_deployment``
    ("Writing a git host" below). Called once at start-up.
    """


@hookspec
def register_sign_in_providers(settings: Settings) -> list[SignInProvider]:
    """Return a list of sign-in providers (OAuth 2 or OpenID Connect).

    A sign-in provider follows :class:`autostack_core.interfaces.sign_in.SignInProvider`:
    a unique ``name`` (the ``{name}`` of ``/auth/{name}/login`` and
    ``/auth/{name}/callback``), a ``title`` and ``configured(settings)`` (the
    login page's "Continue with ..." links), ``client(settings, http)`` returning its
    endpoints and credentials (``None`` when the server is not configured for
    it), ``authorize_params(nonce)`` for extra authorization parameters and
    ``identity(...)``, which turns the token response into a verified
    :class:`autostack_core.interfaces.sign_in.Identity`. The core runs the
    flow (state, PKCE, code exchange) and finds, creates or links the user.
    Called once at start-up.
    """


@hookspec
def notify(event: Event) -> None:
    """React to a platform event.

    ``event`` is an :class:`autostack_core.interfaces.Event` with ``kind``
    (``deployment.created``, ``deployment.building``, ``deployment.ready``,
    ``deployment.error``, ``deployment.canceled``, ``deployment.promoted``,
    ...), ``project``, ``deployment`` and ``data``. The state change behind the
    event is already persisted when this is called. Return value is ignored;
    an exception is logged and never fails the deployment.
    """


# ---------------------------------------------------------------------------
# Templates, dashboard and app
# ---------------------------------------------------------------------------


@hookspec
def register_templates(settings: Settings) -> list[DeploymentTemplate]:
    """Return a list of deployment templates for the marketplace.

    Each item is an :class:`autostack_core.interfaces.DeploymentTemplate`:
    ``slug``, ``name``, ``description``, ``framework`` (the slug AutoStack's
    detection finds in the files), ``source_dir``, the folder of the
    starter's files, and optional ``settings``, build settings
    (``build_command``, ``output_directory``...) the project takes where it has
    none. Deploying a template commits those files (the folder's own
    ``.gitignore`` applied) as the first commit of the project's built-in git
    repository and deploys that commit, so ``git clone`` gives them. The
    dashboard's "New Project" page and ``autostack templates`` list them all.
    """


@hookspec
def register_routes(settings: Settings) -> list[BaseRoute]:
    """Return a list of Starlette routes to add to the app.

    Routes are mounted before the built-in ones, so a plugin can add pages
    or API endpoints (check ``request.state.user`` yourself: the core's
    authorization only covers its own routes). Called once, synchronously,
    while the ASGI app is built: return the list itself, not an awaitable.
    """


@hookspec
def extra_template_vars(request: Request, template: str) -> dict[str, Any] | None:
    """Return a dict of extra variables for a dashboard template.

    ``template`` is the name of the template being rendered and ``request``
    the Starlette request (``request.state.user`` is the signed-in user or
    ``None``). All returned dicts are merged into the template context.
    """


@hookspec(firstresult=True)
def not_found_page(request: Request) -> Response | Awaitable[Response] | None:
    """Return the page a browser gets when no route answers its request (a 404).

    Called for ``GET`` and ``HEAD`` requests outside ``/api/`` whose ``Accept``
    header asks for HTML before JSON (a browser's navigation); API clients and
    requests asking for ``application/json`` keep the JSON error. Return a
    response with status 404, or its awaitable. The first non-``None`` result
    wins (the built-in dashboard's "not found" page); with none, the JSON error
    is sent.
    """


@hookspec
def startup(app: AutoStack) -> Awaitable[None] | None:
    """Run code once when the server starts, after the database is ready.

    ``app`` is the :class:`autostack_core.app.AutoStack` host object (``app.settings``,
    ``app.plugin_manager``). Return an awaitable to do async work. An
    exception here is reported with the plugin's name and stops start-up.
    """


@hookspec
def shutdown(app: AutoStack) -> Awaitable[None] | None:
    """Run code once when the server stops cleanly (Ctrl-C, SIGTERM).

    ``app`` is the same host object ``startup`` received. Release what
    ``startup`` acquired. A crash skips this hook, so anything that must
    survive a control-plane restart (the edge keeps serving) is re-adopted
    in ``startup`` instead of being torn down here.
    """


@hookspec
def extra_metrics(app: AutoStack) -> str | Awaitable[str | None] | None:
    """Return more Prometheus metrics for the control plane's ``/metrics``.

    Called at each scrape (by a loopback client or one holding
    ``AUTOSTACK_METRICS_TOKEN``) with the running host object. Return text in the
    Prometheus exposition format (``# HELP``/``# TYPE`` lines and samples), appended
    as is after the core's own metrics, or ``None`` for nothing. Name your metrics
    with your own prefix. The local edge plugin returns Caddy's own metrics this way.
    A plugin that raises is logged and left out of that scrape.
    """


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``autostack`` command.

    ``cli`` is the root :class:`click.Group`: decorate functions with
    ``@cli.command()`` or ``@cli.group()``, or ``cli.add_command(...)``, as
    in Datasette; ``group_at(cli, "dns", "connect")`` finds a group to add a
    subcommand to (the domains plugin's; the Route53 plugin adds ``dns connect
    route53``). Plugins are called in hook order, so a plugin whose groups
    others extend marks its hook ``@hookimpl(tryfirst=True)``.
    Reuse the shared options and helpers of :mod:`autostack_core.cli.options`
    (``--json``, ``--project``, ``--data-dir``, ``emit``, ``settings_from``)
    and :class:`autostack_core.cli.api_client.ApiClient` to call the server,
    so your commands read like the built-in ones. Called once per
    ``autostack`` invocation, synchronously, before the command line is
    parsed; the return value is ignored. A plugin
    whose hook raises is reported by name on stderr and the other plugins'
    commands stay available. Every plugin is called: name your commands so
    they do not clash with the built-in ones or another plugin's.
    """


# ---------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------


@hookspec
def register_tasks(app: AutoStack) -> list[Task]:
    """Return a list of queue tasks and periodic jobs.

    Each item is an :class:`autostack_core.interfaces.tasks.Task`: a unique
    ``name`` and an async function ``run``; give it a ``schedule``
    (:class:`autostack_core.interfaces.tasks.Cron`) to make it a periodic job,
    which every queue consumer's scheduler runs with no arguments. Enqueue a
    task from a route or another task with ``app.queue.enqueue(name, *args)``
    (plain, picklable arguments). ``app`` is the host object being built:
    ``app.settings`` and ``app.queue`` are there, the database is not yet
    connected, so bind ``app`` (``functools.partial(renew, app)``) and let
    ``run`` use it later. Called once, synchronously, when the host object is
    built (by the server, ``autostack worker`` and commands that enqueue):
    return the list itself, not an awaitable. A name registered twice, by the
    core or another plugin, stops start-up with an error naming it.
    """


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


@hookspec
def doctor_checks(settings: Settings) -> list[Check]:
    """Return a list of checks for ``autostack doctor``.

    Each item is an :class:`autostack_core.interfaces.checks.Check`: a short
    ``name``, whether it is ``ok``, a ``detail`` saying what was found and,
    when it fails, a ``remedy`` saying how to fix it (a command when there is
    one). Check what your plugin needs on this machine (a binary, a kernel
    feature, a certificate's state) without changing anything;
    :func:`autostack_core.interfaces.checks.tool_version` runs a command and
    returns the first line it prints. Every plugin is asked and its checks
    are printed after the core's; ``autostack doctor`` exits 1 when any check
    fails. May return an awaitable. A plugin whose hook raises is shown as
    one failing check named after the plugin.
    """


# ---------------------------------------------------------------------------
# Billing
# ---------------------------------------------------------------------------


@hookspec
def billing(app: AutoStack, team: Team, plan: Plan | None, month: str,
            usage: dict[str, Any]) -> Awaitable[None] | None:
    """Turn a team's usage of a month into an invoice (or an export, a report).

    Called once per team when a server admin bills a month that is over
    (``autostack billing run --month 2026-11``, ``POST /api/v1/billing/run``),
    with the host object, the :class:`~autostack_core.infrastructure.models.Team`,
    the :class:`~autostack_core.infrastructure.models.Plan` whose limits applied
    (``None``: no plan, no limits), the month as ``YYYY-MM`` and its usage:
    ``{"month", "total": {...}, "storage_bytes", "storage_peak_bytes",
    "projects": [{"project", ...}], "days": [{"day", "storage_bytes", ...}]}`` where
    each figure set has ``build_minutes``, ``bandwidth_bytes``, ``requests``,
    ``cpu_seconds`` and ``function_invocations`` (the requests a function or server
    app answered); storage is the team's: now, the month's peak and each day's
    peak as sampled every quarter hour (``None`` on a day not sampled).
    AutoStack keeps no prices: the plugin owns them and whatever it sends.
    Running a month again calls the hook again, so keep your own record of
    what was billed. May return an awaitable. An exception is logged and
    reported for that team only; the other teams are still billed.
    """
