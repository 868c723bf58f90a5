"""Sealed columns: a str property that encrypts into a ``*_sealed`` column."""

from __future__ import annotations

from tortoise.models import Model

from autostack_core.security.crypto import active_keyring


def sealed(column: str, context: str) -> property:
    """A str property that encrypts into ``column`` and decrypts out of it."""

    def getter(self: Model) -> str | None:
        value = getattr(self, column)
        return None if value is None else active_keyring().open(value, context)

    def setter(self: Model, plaintext: str | None) -> None:
        value = None if plaintext is None else active_keyring().seal(plaintext, context)
        setattr(self, column, value)

    return property(getter, setter)
