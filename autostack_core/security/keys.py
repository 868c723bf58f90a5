"""Key rotation: re-encrypt every sealed column under the newest key."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from autostack_core.config import Settings
from autostack_core.infrastructure.models import SEALED_COLUMNS
from autostack_core.security.crypto import (
    KEY_FILE_NAME,
    Keyring,
    generate_key,
    install_keyring,
    read_key_file,
    write_key_file,
)


async def reseal_all(keyring: Keyring) -> int:
    """Re-encrypt every sealed value not yet under ``keyring``'s current key."""
    count = 0
    async with in_transaction():
        for model, column, context in SEALED_COLUMNS:
            sealed_rows = model.filter(**{f"{column}__isnull": False})
            rows = await sealed_rows.only(model._meta.pk_attr, column)
            for row in rows:
                sealed = getattr(row, column)
                if not keyring.needs_reseal(sealed):
                    continue
                plaintext = keyring.open(sealed, context)
                await model.filter(pk=row.pk).update(**{column: keyring.seal(plaintext, context)})
                count += 1
    return count


async def rotate(settings: Settings) -> tuple[int, str]:
    """Rotate the key; returns how many values were re-encrypted and what happened.

    With a key file, a new key is generated and written first (beside the old
    ones, so a crash never strands data), then the old keys are dropped. With
    ``AUTOSTACK_SECRET_KEY``, the operator puts the new key first in the list;
    this re-encrypts under it and says when the old ones can go.
    """
    if settings.secret_keys:
        keyring = Keyring(list(settings.secret_keys))
        install_keyring(keyring)
        count = await reseal_all(keyring)
        return count, (
            "re-encrypted under the first key of AUTOSTACK_SECRET_KEY; "
            "the other keys in the list can now be removed"
        )
    path = settings.path(KEY_FILE_NAME)
    old_keys = read_key_file(path)
    new_key = generate_key()
    write_key_file(path, [new_key, *old_keys])
    keyring = Keyring([new_key, *old_keys])
    install_keyring(keyring)
    count = await reseal_all(keyring)
    write_key_file(path, [new_key])
    install_keyring(Keyring([new_key]))
    return count, f"new key written to {path}; the old key was removed"
