"""A team's settings for the runtime providers: the values of each runtime's ``config_fields``.

The fields come from the runtime's declaration (:class:`ConfigField`: name,
label, secret, required); a team's values are stored sealed as one JSON
object per runtime (:class:`ProviderSettings`), checked by the runtime first
(``check_config``: a value that would use the server's files, commands or
identity is refused naming the field) and handed to it in every
:class:`Release` of the team's projects. They never leave the server: the API
and the forms say which fields are set and show the values of fields that are
not secret; a secret is written, never read back. A blank secret keeps the
stored one. Every change is audited (``provider_settings.updated`` /
``.deleted``), secret values masked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError

from autostack_core.config import Settings
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import ProviderSettings, Team
from autostack_core.interfaces.runtime import ConfigError, ConfigField, Runtime
from autostack_core.security.log_redaction import MASK
from autostack_core.security.outbound import Outbound, OutboundError
from autostack_core.services import audit

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

MAX_VALUE_LENGTH = 65536


def configurable(app: AutoStack) -> dict[str, Runtime]:
    """The installed runtimes that declare fields, by name."""
    return {
        name: runtime for name, runtime in sorted(app.runtimes.items()) if runtime.config_fields
    }


def runtime_of(app: AutoStack, provider: str) -> Runtime:
    runtime = configurable(app).get(provider)
    if runtime is None:
        known = ", ".join(configurable(app)) or "none installed"
        raise ApiError(
            422, f"provider: no runtime with settings called {provider!r} ({known})", "provider"
        )
    return runtime


async def values(team_id: int, provider: str) -> dict[str, str]:
    """The team's stored values for ``provider``, unsealed ({} when it stored none)."""
    row = await ProviderSettings.get_or_none(team_id=team_id, provider=provider)
    return {} if row is None else dict(json.loads(row.config_json or "{}"))


def field_json(field: ConfigField, stored: Mapping[str, str]) -> dict[str, Any]:
    """A field as forms and the API show it: a secret's value never."""
    value = stored.get(field.name)
    return {
        "name": field.name,
        "label": field.label,
        "secret": field.secret,
        "required": field.required,
        "set": bool(value),
        "value": None if field.secret else value,
    }


async def describe(app: AutoStack, team: Team) -> list[dict[str, Any]]:
    """Each runtime with fields, the team's values of the non-secret ones, which are set."""
    rows = {row.provider: row for row in await ProviderSettings.filter(team=team)}
    described = []
    for name, runtime in configurable(app).items():
        row = rows.get(name)
        stored = json.loads(row.config_json or "{}") if row else {}
        described.append(
            {
                "provider": name,
                "configured": row is not None,
                "updated_at": row.updated_at.isoformat() if row else None,
                "fields": [field_json(field, stored) for field in runtime.config_fields],
            }
        )
    return described


def merged_values(
    runtime: Runtime, stored: Mapping[str, str], entered: Mapping[str, str | None]
) -> dict[str, str]:
    """The values to store: entered ones over stored ones, a blank secret keeping its value,
    a blank non-secret clearing it. Unknown fields and overlong values are refused."""
    fields = {field.name: field for field in runtime.config_fields}
    unknown = sorted(set(entered) - set(fields))
    if unknown:
        raise ApiError(
            422,
            f"{unknown[0]}: not a field of the {runtime.name} runtime (its "
            f"fields: {', '.join(fields)})",
            unknown[0],
        )
    result = dict(stored)
    for name, raw in entered.items():
        value = (raw or "").strip()
        if len(value) > MAX_VALUE_LENGTH:
            raise ApiError(422, f"{name}: at most {MAX_VALUE_LENGTH} characters", name)
        if value:
            result[name] = value
        elif not fields[name].secret:
            result.pop(name, None)
    return result


async def check_destinations(settings: Settings, runtime: Runtime,
                             values: Mapping[str, str]) -> None:
    """Refuse a team's value that would make the server connect somewhere it must not go (the
    cloud's metadata service, the server's own ports, the private network): a
    :class:`ConfigError` naming the field, for each URL its :attr:`ConfigField.urls` names."""
    outbound = Outbound.from_settings(settings)
    for declared in runtime.config_fields:
        value = values.get(declared.name)
        if declared.urls is None or not value:
            continue
        for url in declared.urls(value):
            try:
                await outbound.check_url(url)
            except OutboundError as error:
                raise ConfigError(declared.name, f"{declared.name}: {error}") from error


async def save(
    app: AutoStack, team: Team, provider: str, entered: Mapping[str, str | None]
) -> ProviderSettings | None:
    """Store the team's values for ``provider`` once the runtime accepts them; None when
    nothing is left (the row is deleted). Audited; 422 naming the field otherwise."""
    runtime = runtime_of(app, provider)
    row = await ProviderSettings.get_or_none(team=team, provider=provider)
    stored: dict[str, str] = json.loads(row.config_json or "{}") if row else {}
    result = merged_values(runtime, stored, entered)
    try:
        runtime.check_config(result)
        await check_destinations(app.settings, runtime, result)
    except ConfigError as error:
        field = (
            error.field if error.field in {f.name for f in runtime.config_fields} else "provider"
        )
        raise ApiError(422, str(error), field) from error
    if not result:
        if row is not None:
            await delete(team, row)
        return None
    if row is None:
        row = ProviderSettings(team=team, provider=provider)
    row.config_json = json.dumps(result)
    try:
        await row.save()
    except IntegrityError as error:  # two first saves at once: the other one won
        raise ApiError(
            409, f"provider: the {provider} settings changed meanwhile; try again", "provider"
        ) from error
    secret = {field.name for field in runtime.config_fields if field.secret}
    await audit.record(
        "provider_settings.updated",
        team=team,
        target=("provider", provider),
        before=shown(stored, secret),
        after=shown(result, secret),
        details={
            "secrets_changed": sorted(
                name for name in secret if stored.get(name) != result.get(name)
            )
        },
    )
    return row


def shown(config: Mapping[str, str], secret: set[str]) -> dict[str, str]:
    """What the audit log keeps of ``config``: secret values masked."""
    return {name: MASK if name in secret else value for name, value in config.items()}


async def delete(team: Team, row: ProviderSettings) -> None:
    """Forget the team's values for a runtime (its projects use the server's own settings)."""
    await row.delete()
    await audit.record(
        "provider_settings.deleted",
        team=team,
        target=("provider", row.provider),
        before={"provider": row.provider, "credentials": "sealed"},
    )


async def find(team: Team, provider: str) -> ProviderSettings | None:
    return await ProviderSettings.get_or_none(team=team, provider=provider)
