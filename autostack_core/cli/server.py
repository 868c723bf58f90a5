"""Server commands: up, worker, migrate, doctor, plugins, users, keys, gc."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from autostack_core.cli.options import data_dir_option, settings_from
from autostack_core.config import Settings

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

def migrate_database(settings: Settings) -> list[str]:
    """Apply pending migrations; a database of a newer release stops the command, untouched."""
    from autostack_core.infrastructure import db
    from autostack_core.utils import run_sync

    try:
        applied: list[str] = run_sync(db.migrate(settings))
    except db.NewerDatabase as error:
        raise click.ClickException(str(error)) from error
    return applied


def require_sandbox(settings: Settings) -> None:
    """Stop with the command that installs bubblewrap or slirp4netns when one is missing."""
    from autostack_core.infrastructure import preflight

    try:
        preflight.require_sandbox(settings)
    except preflight.SandboxMissing as error:
        raise click.ClickException(str(error)) from error


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the dashboard/API")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--edge-port", default=None, type=int, help="Port of the edge [default 8080]")
@click.option("--domain", default=None, help="Base domain of deployments [default localhost]")
@data_dir_option
def up(host: str, port: int, edge_port: int | None, domain: str | None,
       data_dir: Path | None) -> None:
    """Run the API, the dashboard, the edge and a queue consumer."""
    import uvicorn

    from autostack_core.app import AutoStack

    settings = settings_from(data_dir, host=host, port=port, edge_port=edge_port,
                             base_domain=domain)
    require_sandbox(settings)
    applied = migrate_database(settings)
    if applied:
        click.echo(f"database migrated: {', '.join(applied)}")
    autostack = AutoStack(settings, consume=True, migrated=True)
    click.echo(f"AutoStack data in {settings.data_dir}")
    click.echo(f"Dashboard and API: {settings.server_url}")
    click.echo(f"Deployments:       http://<project>.{settings.base_domain}:{settings.edge_port}")
    click.echo("Press Ctrl-C to stop.")
    uvicorn.Server(server_config(settings, autostack.asgi())).run()


def server_config(settings: Settings, app: ASGIApp) -> uvicorn.Config:
    """Uvicorn's configuration: ``X-Forwarded-For`` is believed only from trusted proxies.

    Rate limits go by the client's address, so a header anyone can send must
    not choose it; behind a proxy, without this, every client is the proxy.
    Every log line passes :mod:`autostack_core.security.log_redaction` (deploy-hook URLs
    are credentials).
    """
    import uvicorn

    from autostack_core.security.log_redaction import server_log_config

    return uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on",
                          log_level="info", log_config=server_log_config(),
                          proxy_headers=bool(settings.trusted_proxies),
                          forwarded_allow_ips=list(settings.trusted_proxies) or None)


@click.command()
@click.option("--concurrency", default=2, show_default=True, type=int)
@data_dir_option
def worker(concurrency: int, data_dir: Path | None) -> None:
    """Run a standalone queue consumer (share the database, Redis and store)."""
    import asyncio
    import logging.config

    from autostack_core.app import AutoStack
    from autostack_core.security.log_redaction import server_log_config

    logging.config.dictConfig(server_log_config())

    settings = settings_from(data_dir)
    require_sandbox(settings)
    migrate_database(settings)

    async def consume() -> None:
        autostack = AutoStack(settings, migrated=True)
        await autostack.startup()
        from autostack_core.build.lost_deployments import recover_lost_deployments

        await recover_lost_deployments(autostack)
        consumer = autostack.queue.start_consumer(workers=concurrency)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        click.echo(f"worker consuming with {concurrency} threads; Ctrl-C to stop")
        await stop.wait()
        await asyncio.to_thread(consumer.stop, graceful=True)
        await autostack.shutdown()

    asyncio.run(consume())


@click.command()
@data_dir_option
def migrate(data_dir: Path | None) -> None:
    """Bring the database schema up to date (safe to run again)."""
    applied = migrate_database(settings_from(data_dir))
    click.echo(f"applied {', '.join(applied)}" if applied else "database is up to date")


@click.command()
@data_dir_option
def doctor(data_dir: Path | None) -> None:
    """Check Python, git, node, bubblewrap, Caddy, the database, Redis, the wildcard certificate."""
    from autostack_core.services.doctor import run_checks
    from autostack_core.utils import run_sync

    checks = run_sync(run_checks(settings_from(data_dir)))
    for check in checks:
        mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
        click.echo(f"{mark} {check.name:<11} {check.detail}")
        if check.remedy:
            click.echo(f"     {'':<11} fix: {check.remedy}")
    if not all(check.ok for check in checks):
        raise SystemExit(1)


@click.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.option("--kind", default="", help="Catalog entries of one kind (template, runtime, ...)")
@click.option("--framework", default="", help="Catalog entries for this framework only")
@click.option("--search", "query", default="", help="Catalog entries with these words")
def plugins_command(as_json: bool, kind: str, framework: str, query: str) -> None:
    """List loaded plugins with their versions and hooks, the runtimes they provide (with
    their fields, * secret), plugins that failed, and the marketplace catalog (the
    dashboard's Marketplace page shows the same)."""
    from autostack_core.plugins import get_plugin_manager
    from autostack_core.services.catalog import KINDS
    from autostack_core.services.marketplace import marketplace_json, registered_templates
    from autostack_core.services.provider_checks import registered_runtimes, runtime_json
    from autostack_core.utils import run_sync

    if kind and kind not in KINDS:
        raise click.BadParameter(f"choose one of {', '.join(KINDS)}", param_hint="--kind")
    settings = settings_from(None)
    loaded = get_plugin_manager()
    runtimes = [runtime_json(runtime) for runtime in
                run_sync(registered_runtimes(settings, loaded))]
    templates = run_sync(registered_templates(settings, loaded))
    market = run_sync(marketplace_json(settings, loaded, templates, kind, framework, query))
    if as_json:
        click.echo(json.dumps({
            **market, "runtimes": runtimes,
            "failures": [failure.__dict__ for failure in loaded.failures],
        }, indent=2))
        if market["catalog"]["error"]:
            raise SystemExit(1)
        return
    for info in market["plugins"]:
        origin = "built-in" if info["builtin"] else "installed"
        click.echo(f"{info['name']} {info['version'] or '?'} ({origin})")
        click.echo(f"    hooks: {', '.join(info['hooks']) or '-'}")
    click.echo("runtimes (a project's provider; fields set per team on its team page):")
    for runtime in runtimes:
        fields = ", ".join(field["name"] + ("*" if field["secret"] else "")
                           for field in runtime["fields"]) or "-"
        click.echo(f"    {runtime['name']}: runs {', '.join(runtime['accepts'])}; "
                   f"fields: {fields}")
    for failure in loaded.failures:
        click.echo(click.style(f"{failure.name} FAILED: {failure.error}", fg="red"))
    echo_catalog(market["catalog"])


def echo_catalog(catalog: dict[str, Any]) -> None:
    """The catalog's entries, or its error (then exit 1)."""
    if catalog["error"]:
        click.echo(click.style(catalog["error"], fg="red"), err=True)
        raise SystemExit(1)
    click.echo(f"catalog ({catalog['source']}):")
    for entry in catalog["entries"]:
        mark = f" [installed {entry['installed_version']}]" if entry["installed_version"] else ""
        click.echo(f"    {entry['kind']:<9} {entry['name']} {entry['version']}{mark}: "
                   f"{entry['install']}")
    if not catalog["entries"]:
        click.echo("    no entries match")


def with_database(data_dir: Path | None, work: Callable[[Settings], Any]) -> Any:
    """Run ``work(settings)`` (a coroutine function) with a migrated, connected database."""
    from autostack_core.infrastructure import db
    from autostack_core.security.crypto import install_keyring, load_keyring
    from autostack_core.utils import run_sync

    settings = settings_from(data_dir)

    async def run() -> Any:
        await db.migrate(settings)
        await db.connect(settings)
        install_keyring(load_keyring(settings.data_dir, settings.secret_keys))
        try:
            return await work(settings)
        finally:
            await db.disconnect()

    return run_sync(run())


@click.group()
def users() -> None:
    """Manage users from the server's command line."""


@users.command(name="create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--name", default="")
@data_dir_option
def users_create(email: str, password: str, name: str, data_dir: Path | None) -> None:
    """Create a user with a personal team they own."""
    from autostack_core.errors import ApiError
    from autostack_core.security.accounts import create_user

    try:
        user = with_database(data_dir, lambda _: create_user(email, password, name))
    except ApiError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"created user {user.email}")


@click.group()
def keys() -> None:
    """Manage the encryption key of secrets at rest."""


@keys.command(name="rotate")
@data_dir_option
def keys_rotate(data_dir: Path | None) -> None:
    """Re-encrypt every secret under a new key."""
    from autostack_core.security.keys import rotate

    count, message = with_database(data_dir, rotate)
    click.echo(f"re-encrypted {count} values; {message}")


@click.command()
@click.option("--wait", default=120, show_default=True, help="Seconds to wait for the result")
@data_dir_option
def gc(wait: int, data_dir: Path | None) -> None:
    """Remove deployments past the retention policy and unreferenced stored files.

    The work goes through the queue, so the running server's worker (which
    owns the edge) does it; without a running server, it runs here.
    """
    import asyncio

    from huey.exceptions import HueyException

    from autostack_core.app import AutoStack

    async def run() -> dict[str, int]:
        autostack = AutoStack(settings_from(data_dir))
        result = autostack.queue.enqueue("collect_garbage")
        try:
            report: dict[str, int] = await asyncio.to_thread(
                result.get, blocking=True, timeout=wait)
            return report
        except HueyException:
            # Nobody consumed it: no server runs, so do it here (and drop the queued copy).
            autostack.queue.huey.revoke_by_id(result.id)
        await autostack.startup()
        try:
            return (await collect_garbage(autostack)).as_dict()
        finally:
            await autostack.shutdown()

    from autostack_core.services.retention import collect_garbage

    report = asyncio.run(run())
    click.echo(f"removed {report['deployments_removed']} deployments, "
               f"{report['objects_removed']} files ({report['bytes_freed'] / 1e6:.1f} MB), "
               f"{report['manifests_removed']} manifests")
    if report.get("bucket_objects_removed") or report.get("bucket_manifests_removed"):
        click.echo(f"from the bucket: {report['bucket_objects_removed']} files "
                   f"({report['bucket_bytes_freed'] / 1e6:.1f} MB), "
                   f"{report['bucket_manifests_removed']} manifests")


commands: list[click.Command] = [
    up, worker, migrate, doctor, plugins_command, users, keys, gc,
]
