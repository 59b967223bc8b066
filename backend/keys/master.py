from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from backend.core.config import Settings
from backend.keys.errors import MasterKeyUnavailable

MASTER_KEY_BYTES = 32
_KEY_ID_DOMAIN = b"trustledger/master-key-id/v1"


class MasterKey:
    """The AES-256 key that seals custodial chain keys.

    Its id is derived from the key itself, so a ciphertext names the key that opens it
    without anyone having to label keys by hand (and a wrong label is impossible).
    The key bytes never appear in repr, str or pickles of this object.
    """

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes):
        if len(key) != MASTER_KEY_BYTES:
            raise MasterKeyUnavailable(f"a master key is {MASTER_KEY_BYTES} bytes, got {len(key)}")
        self._key = bytes(key)
        self.key_id = hashlib.sha256(_KEY_ID_DOMAIN + self._key).hexdigest()[:16]

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(MASTER_KEY_BYTES))

    @classmethod
    def from_base64(cls, text: str) -> MasterKey:
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except binascii.Error:
            raise MasterKeyUnavailable("the master key is not valid base64") from None

    @classmethod
    def from_file(cls, path: Path) -> MasterKey:
        try:
            return cls.from_base64(path.read_text())
        except OSError as error:
            raise MasterKeyUnavailable(f"cannot read master key file {path}: {error.strerror}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> MasterKey:
        if settings.master_key is not None:
            return cls.from_base64(settings.master_key.get_secret_value())
        if settings.master_key_file is not None:
            return cls.from_file(settings.master_key_file)
        raise MasterKeyUnavailable("set TRUSTLEDGER_MASTER_KEY or TRUSTLEDGER_MASTER_KEY_FILE")

    def to_base64(self) -> str:
        return base64.b64encode(self._key).decode()

    def write_file(self, path: Path) -> None:
        """Write the key as base64 to a new file only its owner can read; never overwrites."""
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(self.to_base64() + "\n")

    @property
    def secret(self) -> bytes:
        return self._key

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a MasterKey is not serialisable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MasterKey) and secrets.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self.key_id)
