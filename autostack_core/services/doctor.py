"""``autostack doctor``: check what AutoStack needs and say how to fix what is missing.

The core checks what it needs itself; plugins add their checks through the
``doctor_checks`` hook (the local provider: Caddy, the apps' sandbox, the
wildcard certificate); then each configured runtime provider is reached with
the server's settings and each team's (:mod:`.provider_checks`). A plugin whose
hook raises is a failing check named after the plugin, never a traceback.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from autostack_core.config import Settings
from autostack_core.infrastructure.s3_store import check_store
from autostack_core.interfaces.checks import Check, tool_version
from autostack_core.plugins import LoadedPlugins, get_plugin_manager, strict
from autostack_core.services.provider_checks import provider_checks
from autostack_core.services.screenshot_capture import find_chromium, unavailable_reason
from autostack_core.utils import await_me_maybe


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, sys.version.split()[0], "" if ok else "install Python 3.11 or newer")


def check_tool(name: str, command: list[str], remedy: str) -> Check:
    version = tool_version(command)
    return Check(name, version is not None, version or "not found", "" if version else remedy)


def check_bubblewrap() -> Check:
    version = tool_version(["bwrap", "--version"])
    if version is None:
        return Check(
            "bubblewrap", False, "not found: builds refuse to run unsandboxed",
            "sudo apt-get install -y bubblewrap (or dnf install bubblewrap); "
            "AUTOSTACK_ALLOW_UNSANDBOXED=1 runs builds without a sandbox, at your own risk",
        )
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"],
        capture_output=True, text=True, timeout=10,
    )
    if probe.returncode != 0:
        return Check(
            "bubblewrap", False, f"{version} installed but cannot create a sandbox: "
            f"{probe.stderr.strip()}",
            "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
            "or run the server as root",
        )
    return Check("bubblewrap", True, version)


def check_build_network() -> Check:
    if shutil.which("slirp4netns"):
        return Check("build net", True, "slirp4netns: builds reach the internet, not the "
                                        "host's loopback")
    return Check(
        "build net", False, "slirp4netns not found: builds share the host network and can "
                            "reach services on 127.0.0.1 (database, Redis)",
        "sudo apt-get install -y slirp4netns",
    )


def check_cgroups() -> Check:
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        return Check("cgroups", True, "cgroup v2: memory and CPU limits enforced")
    if Path("/sys/fs/cgroup/memory").is_dir():
        return Check("cgroups", True, "cgroup v1: memory and CPU limits enforced")
    return Check(
        "cgroups", False, "no cgroup controllers: memory and CPU limits are not enforced",
        "mount cgroup v2 at /sys/fs/cgroup or run on a host that has it",
    )


def check_screenshots(settings: Settings) -> Check:
    """Thumbnails are optional: a missing Chromium is said, never a failure."""
    if not settings.screenshots:
        return Check("screenshots", True, "off (AUTOSTACK_SCREENSHOTS=0): thumbnails show "
                                          "the project's initial")
    reason = unavailable_reason(settings.allow_unsandboxed)
    if reason is not None:
        return Check("screenshots", True, reason)
    return Check("screenshots", True, f"{find_chromium()} takes thumbnails of ready deployments")


async def check_database(settings: Settings) -> Check:
    from tortoise import Tortoise

    from autostack_core.infrastructure import db

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await db.connect(settings)
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception as error:
        return Check(
            "database", False, f"{settings.db_url.split('@')[-1]}: {error}",
            "check AUTOSTACK_DATABASE_URL (postgres://user:password@host:5432/db) "
            "or unset it to use SQLite in the data directory",
        )
    finally:
        await db.disconnect()
    return Check("database", True, "sqlite" if settings.is_sqlite else "postgresql")


async def check_redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", True, "not configured: queue on SQLite, events in-process")
    from redis import asyncio as aioredis

    client = aioredis.from_url(settings.redis_url)
    try:
        await client.ping()
    except Exception as error:
        return Check(
            "redis", False, f"{error}",
            "start Redis (redis-server) or fix AUTOSTACK_REDIS_URL (redis://127.0.0.1:6379/0)",
        )
    finally:
        await client.aclose()
    return Check("redis", True, settings.redis_url)


async def run_checks(settings: Settings, plugins: LoadedPlugins | None = None) -> list[Check]:
    """The core's checks, then every plugin's (``doctor_checks``)."""
    core = [
        check_python(),
        check_tool("git", ["git", "--version"], "sudo apt-get install -y git"),
        check_tool("node", ["node", "--version"], "install Node.js 20+ (apt-get install nodejs)"),
        check_tool("npm", ["npm", "--version"], "install npm (apt-get install npm)"),
        check_bubblewrap(),
        check_build_network(),
        check_cgroups(),
        check_screenshots(settings),
        await check_database(settings),
        await check_redis(settings),
        await asyncio.to_thread(check_store, settings),
    ]
    loaded = plugins or get_plugin_manager()
    return [*core, *await plugin_checks(settings, loaded),
            *await provider_checks(settings, loaded)]


async def plugin_checks(settings: Settings, plugins: LoadedPlugins) -> list[Check]:
    """Every plugin's checks; a plugin whose hook raises is one failing check in its name."""
    checks: list[Check] = []
    arguments = {"settings": settings}
    for hookimpl in plugins.manager.hook.doctor_checks.get_hookimpls():
        try:
            found = await await_me_maybe(
                hookimpl.function(*(arguments[name] for name in hookimpl.argnames)))
        except Exception as error:
            if strict():
                raise
            found = [Check(hookimpl.plugin_name, False,
                           f"its doctor_checks hook failed: {type(error).__name__}: {error}",
                           "report it to the plugin's authors, or uninstall the plugin")]
        checks.extend(found or [])
    return checks
