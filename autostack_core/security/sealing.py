"""Sealing what a plugin keeps at rest with the server's keys: the public part of the crypto.

A plugin that writes secrets to disk (the local runtime's state file holds each
app's environment) seals them with the server's keyring, as the core seals its
own columns. :func:`active_keyring` returns it: ``seal(text, context)``
encrypts with the newest key, ``open(sealed, context)`` decrypts with any of
them or raises :class:`DecryptionError`; ``context`` names what the value is
and must be the same for both. Managing the keys (the key file, rotation,
installing the keyring at start-up) stays the core's (:mod:`autostack_core.security.crypto`).
"""

from __future__ import annotations

from autostack_core.security.crypto import DecryptionError, Keyring, active_keyring

__all__ = ["DecryptionError", "Keyring", "active_keyring"]
