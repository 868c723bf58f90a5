"""The runtime providers as ``autostack doctor`` and ``autostack plugins`` see them.

:func:`registered_runtimes` asks the plugins for their runtimes as the server
does at start-up. :func:`provider_checks` checks each configured one: the
server's own settings (``check({})``; a runtime with nothing configured is
skipped), then each team's stored values (``check_config``, then ``check``
with them), each one line. A provider that cannot be reached is a failing
check with the reason, never a traceback; nothing is changed anywhere.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.checks import Check
from autostack_core.interfaces.runtime import ConfigField, Runtime
from autostack_core.plugins import LoadedPlugins
from autostack_core.utils import await_me_maybe

CHECK_SECONDS = 30.0


async def registered_runtimes(settings: Settings, plugins: LoadedPlugins) -> list[Runtime]:
    """Every plugin's runtimes, as ``register_runtimes`` hands them to the server."""
    results = plugins.manager.hook.register_runtimes(settings=settings)
    return [runtime for result in results for runtime in (await await_me_maybe(result)) or []]


def fields_of(runtime: Runtime) -> tuple[ConfigField, ...]:
    """The runtime's declared fields; a plugin's runtime that declares none has none (the
    doctor and the listing never fail on a runtime short of the interface)."""
    return tuple(getattr(runtime, "config_fields", ()))


def runtime_json(runtime: Runtime) -> dict[str, Any]:
    """A runtime for ``autostack plugins --json``: its name, what it runs, its fields."""
    return {
        "name": runtime.name,
        "accepts": sorted(getattr(runtime, "accepts", ())),
        "fields": [
            {
                "name": field.name,
                "label": field.label,
                "secret": field.secret,
                "required": field.required,
            }
            for field in fields_of(runtime)
        ],
    }


async def _one(name: str, runtime: Runtime, config: dict[str, str]) -> Check | None:
    try:
        if config:
            runtime.check_config(config)
        found = await asyncio.wait_for(runtime.check(config), CHECK_SECONDS)
    except TimeoutError:
        return Check(
            name,
            False,
            f"no answer within {CHECK_SECONDS:g} s",
            "check the provider's address and that this server can reach it",
        )
    except Exception as error:
        return Check(
            name,
            False,
            f"{type(error).__name__}: {error}",
            "fix the team's settings on its team page"
            if config
            else "fix the server's settings for this runtime (its AUTOSTACK_* variables)",
        )
    return None if found is None else Check(name, True, found)


async def provider_checks(settings: Settings, plugins: LoadedPlugins) -> list[Check]:
    """One check for the server's own settings of each configured runtime, one per team that
    stored settings for it. Team settings need the database: without it they are skipped."""
    from autostack_core.infrastructure import db
    from autostack_core.infrastructure.models import ProviderSettings
    from autostack_core.security.crypto import install_keyring, load_keyring

    runtimes = {
        runtime.name: runtime
        for runtime in await registered_runtimes(settings, plugins)
        if fields_of(runtime)
    }
    checks = [
        check
        for name, runtime in runtimes.items()
        if (check := await _one(name, runtime, {})) is not None
    ]
    try:
        await db.connect(settings)
        install_keyring(load_keyring(settings.data_dir, settings.secret_keys))
        rows = (
            await ProviderSettings.filter(provider__in=list(runtimes))
            .prefetch_related("team")
            .order_by("provider", "id")
        )
        for row in rows:
            config = json.loads(row.config_json or "{}")
            check = await _one(f"{row.provider} ({row.team.slug})", runtimes[row.provider], config)
            checks.append(
                check or Check(f"{row.provider} ({row.team.slug})", True, "nothing to reach")
            )
    except Exception as error:
        # Not a failure of its own: an unreachable database fails the database check, and
        # one not migrated yet (before the first `autostack up`) has no team settings.
        checks.append(Check("providers", True, f"teams' settings not checked: {error}"))
    finally:
        await db.disconnect()
        for runtime in runtimes.values():
            await runtime.stop()
    return checks
