"""Secrets at rest: AES-GCM sealing, key files, and rotation with no plaintext left behind."""

from __future__ import annotations

import stat

import pytest
from tortoise import Tortoise

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.git import git_connections
from autostack_core.infrastructure.models import Environment, EnvironmentVariable, Project, User
from autostack_core.security import keys
from autostack_core.security.crypto import (
    KEY_FILE_NAME,
    DecryptionError,
    Keyring,
    active_keyring,
    generate_key,
    load_keyring,
    read_key_file,
)
from tests.fixtures_auth import client_for, owner, personal_team, token_for

__all__ = ["owner"]

ENV_VALUE = "env-plaintext-5f1d7c"
WEBHOOK_SECRET = "webhook-plaintext-9a2b4e"
GITHUB_TOKEN = "ghp_plaintext_3c8d1f"


def test_seal_and_open_round_trip() -> None:
    keyring = Keyring([generate_key()])
    sealed = keyring.seal("hello", "users.github_token")
    assert sealed.startswith(f"v1.{keyring.current_id}.") and "hello" not in sealed
    assert keyring.open(sealed, "users.github_token") == "hello"
    assert keyring.seal("hello", "x") != keyring.seal("hello", "x")  # fresh nonce each time


def test_open_refuses_another_context_tampering_and_unknown_keys() -> None:
    keyring = Keyring([generate_key()])
    sealed = keyring.seal("hello", "a")
    with pytest.raises(DecryptionError):
        keyring.open(sealed, "b")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        keyring.open(tampered, "a")
    with pytest.raises(DecryptionError):
        Keyring([generate_key()]).open(sealed, "a")
    with pytest.raises(DecryptionError):
        keyring.open("garbage", "a")


def test_old_keys_open_and_the_newest_seals() -> None:
    old, new = generate_key(), generate_key()
    sealed = Keyring([old]).seal("x")
    both = Keyring([new, old])
    assert both.open(sealed) == "x" and both.needs_reseal(sealed)
    assert not both.needs_reseal(both.seal("x"))


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        Keyring([])
    with pytest.raises(ValueError):
        Keyring(["c2hvcnQ"])


def test_generated_key_file_is_private(settings: Settings) -> None:
    keyring = load_keyring(settings.data_dir)
    path = settings.data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(settings.data_dir).keys == keyring.keys
    assert load_keyring(settings.data_dir, ("k" * 43,)).keys == ["k" * 43]


async def raw_database_bytes(settings: Settings) -> bytes:
    """Everything the database holds, as bytes: the SQLite files, or a text dump of PostgreSQL."""
    if settings.is_sqlite:
        return b"".join(path.read_bytes() for path in settings.data_dir.glob("autostack.db*"))
    connection = Tortoise.get_connection("default")
    dump = []
    for table in ("users", "git_accounts", "projects", "environment_variables",
                  "audit_events"):
        _, rows = await connection.execute_query(f"SELECT * FROM {table}")
        dump.append(repr([dict(row) for row in rows]))
    return "".join(dump).encode()


async def test_rotation_reseals_everything_and_drops_the_old_key(
    autostack: AutoStack, settings: Settings, owner: User
) -> None:
    await git_connections.save_account_credential(owner, "github", GITHUB_TOKEN)
    project = Project(name="site", team=await personal_team(owner))
    project.webhook_secret = WEBHOOK_SECRET
    await project.save()
    variable = EnvironmentVariable(project=project, key="API_KEY",
                                   environment=Environment.PRODUCTION)
    variable.value = ENV_VALUE
    await variable.save()
    old_keys = read_key_file(settings.path(KEY_FILE_NAME))

    count, message = await keys.rotate(settings)

    assert count == 3 and "old key was removed" in message
    new_keys = read_key_file(settings.path(KEY_FILE_NAME))
    assert len(new_keys) == 1 and new_keys[0] not in old_keys
    assert active_keyring().keys == new_keys
    stored = await raw_database_bytes(settings)
    for secret in (ENV_VALUE, WEBHOOK_SECRET, GITHUB_TOKEN):
        assert secret.encode() not in stored
    assert await git_connections.account_credential(owner, "github") == GITHUB_TOKEN
    assert (await Project.get(name="site")).webhook_secret == WEBHOOK_SECRET
    reloaded = await EnvironmentVariable.get(key="API_KEY")
    assert reloaded.value == ENV_VALUE
    assert reloaded.value_sealed.split(".")[1] == Keyring(new_keys).current_id
    with pytest.raises(DecryptionError):
        Keyring(old_keys).open(reloaded.value_sealed, "environment_variables.value")


async def test_api_values_never_reach_the_database_in_plaintext(
    autostack: AutoStack, settings: Settings, owner: User
) -> None:
    async with client_for(autostack, await token_for(owner)) as http:
        await http.post("/api/v1/projects", json={"name": "site"})
        response = await http.post("/api/v1/projects/site/env",
                                   json={"key": "DB_PASSWORD", "value": ENV_VALUE})
        assert response.status_code == 201
    assert ENV_VALUE.encode() not in await raw_database_bytes(settings)
