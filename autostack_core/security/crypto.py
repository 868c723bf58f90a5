"""Encryption at rest: AES-256-GCM with a keyring that supports rotation.

A keyring is an ordered list of keys: the first encrypts, every key decrypts.
Keys come from ``AUTOSTACK_SECRET_KEY`` (comma-separated, newest first) or from
a generated key file (mode 0600) in the data directory. A sealed value is
``v1.<key id>.<base64url(nonce + ciphertext)>``, so a value names its key.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autostack_core.utils import write_private

KEY_FILE_NAME = "secret.key"
_PREFIX = "v1"


class DecryptionError(Exception):
    """A sealed value could not be opened with any key of the keyring."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _decode_key(key: str) -> bytes:
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    if len(raw) != 32:
        raise ValueError("a secret key must be 32 bytes, base64url-encoded")
    return raw


def key_id(key: str) -> str:
    return hashlib.sha256(_decode_key(key)).hexdigest()[:8]


class Keyring:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self.keys = list(keys)
        self._ciphers = {key_id(key): AESGCM(_decode_key(key)) for key in keys}
        self.current_id = key_id(keys[0])

    def seal(self, plaintext: str, context: str = "") -> str:
        """Encrypt ``plaintext``; ``context`` (e.g. the table and column) is authenticated."""
        nonce = secrets.token_bytes(12)
        cipher = self._ciphers[self.current_id]
        blob = nonce + cipher.encrypt(nonce, plaintext.encode(), context.encode())
        encoded = base64.urlsafe_b64encode(blob).decode().rstrip("=")
        return f"{_PREFIX}.{self.current_id}.{encoded}"

    def open(self, sealed: str, context: str = "") -> str:
        try:
            prefix, kid, encoded = sealed.split(".", 2)
            blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as error:
            raise DecryptionError("not a sealed value") from error
        cipher = self._ciphers.get(kid)
        if prefix != _PREFIX or cipher is None:
            raise DecryptionError(f"no key with id {kid} in the keyring")
        try:
            return cipher.decrypt(blob[:12], blob[12:], context.encode()).decode()
        except Exception as error:
            raise DecryptionError("sealed value failed authentication") from error

    def needs_reseal(self, sealed: str) -> bool:
        return sealed.split(".", 2)[1:2] != [self.current_id]


def derive_key(key: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose (cookies, queue signing), derived with HKDF-SHA256."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"autostack " + purpose.encode())
    return hkdf.derive(key.encode())


def write_key_file(path: Path, keys: list[str]) -> None:
    """Write keys atomically with mode 0600."""
    write_private(path, "\n".join(keys) + "\n")


def read_key_file(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def load_keyring(data_dir: Path, env_keys: tuple[str, ...] = ()) -> Keyring:
    """The keyring from the environment, else from (a new) key file in ``data_dir``."""
    if env_keys:
        return Keyring(list(env_keys))
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        write_key_file(path, [generate_key()])
    return Keyring(read_key_file(path))


_active: Keyring | None = None


def install_keyring(keyring: Keyring) -> None:
    """Make ``keyring`` the process-wide keyring used by the models."""
    global _active
    _active = keyring


def active_keyring() -> Keyring:
    if _active is None:
        raise RuntimeError("no keyring installed; call install_keyring() at start-up")
    return _active
