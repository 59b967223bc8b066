"""Encryption of what the platform holds about a consumer (AES-256-GCM).

::

    master key (settings; also seals custodial chain keys)
    ├── subject key, one per consumer: 32 random bytes, stored wrapped by the master key
    │   └── the consumer's DID, profile and ledger (its pairwise addresses and consents)
    └── two keys derived with HKDF-SHA256, one job each
        ├── lookup key: HMAC of the wallet address, to find a consumer at sign-in
        └── link key: seals, on each pairwise address's row, which consumer it belongs to

Every ciphertext is ``nonce (12 bytes) || ciphertext+tag`` with a fresh random nonce, and
its associated data names what it is and whose it is, so a ciphertext moved to another
row or field fails to open instead of yielding another consumer's data. Erasure deletes
the wrapped subject key; every ciphertext under it is then noise (crypto-shredding),
including copies in backups.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.addresses import checksummed
from backend.keys.master import MasterKey

KEY_BYTES = 32
NONCE_BYTES = 12
_PREFIX = b"trustledger/consent/"


class VaultError(Exception):
    """A ciphertext does not open: wrong key, wrong owner, tampered, or its key was erased."""


@dataclass(frozen=True)
class ConsentKeys:
    master: MasterKey
    lookup_key: bytes
    link_key: bytes

    @property
    def key_id(self) -> str:
        return self.master.key_id


_derived: dict[str, ConsentKeys] = {}
_derived_lock = threading.Lock()


def _hkdf(master: MasterKey, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_PREFIX + label).derive(master.secret)


def consent_keys(master: MasterKey) -> ConsentKeys:
    """The consent keys of `master`, derived once per master key and process."""
    keys = _derived.get(master.key_id)
    if keys is None:
        with _derived_lock:
            keys = ConsentKeys(master, _hkdf(master, b"wallet-lookup/v1"), _hkdf(master, b"pairwise-link/v1"))
            _derived[master.key_id] = keys
    return keys


def wallet_lookup(keys: ConsentKeys, wallet: str) -> str:
    """Keyed hash of a wallet address: finds its consumer without storing the address."""
    address = checksummed(wallet).lower().encode()
    return hmac.new(keys.lookup_key, address, hashlib.sha256).hexdigest()


def _seal(key: bytes, aad: bytes, plaintext: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, aad: bytes, sealed: bytes, what: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise VaultError(f"{what} does not open with this key") from None


def new_subject_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _subject_key_aad(subject_id: uuid.UUID, key_id: str) -> bytes:
    return _PREFIX + b"subject-key/v1|" + subject_id.hex.encode() + b"|" + key_id.encode()


def wrap_subject_key(master: MasterKey, subject_id: uuid.UUID, subject_key: bytes) -> bytes:
    return _seal(master.secret, _subject_key_aad(subject_id, master.key_id), subject_key)


def unwrap_subject_key(master: MasterKey, subject_id: uuid.UUID, wrapped: bytes) -> bytes:
    aad = _subject_key_aad(subject_id, master.key_id)
    return _open(master.secret, aad, wrapped, f"the key of subject {subject_id}")


def _field_aad(subject_id: uuid.UUID, field: str) -> bytes:
    return _PREFIX + b"field/v1|" + field.encode() + b"|" + subject_id.hex.encode()


def seal_field(subject_key: bytes, subject_id: uuid.UUID, field: str, plaintext: bytes) -> bytes:
    """Encrypt one of a subject's fields ("did", "profile", "ledger") under its subject key."""
    return _seal(subject_key, _field_aad(subject_id, field), plaintext)


def open_field(subject_key: bytes, subject_id: uuid.UUID, field: str, sealed: bytes) -> bytes:
    return _open(subject_key, _field_aad(subject_id, field), sealed, f"the {field} of subject {subject_id}")


def _link_aad(address: str) -> bytes:
    return _PREFIX + b"pairwise-link/v1|" + checksummed(address).lower().encode()


def seal_link(keys: ConsentKeys, address: str, subject_id: uuid.UUID) -> bytes:
    return _seal(keys.link_key, _link_aad(address), subject_id.bytes)


def open_link(keys: ConsentKeys, address: str, sealed: bytes) -> uuid.UUID:
    return uuid.UUID(bytes=_open(keys.link_key, _link_aad(address), sealed, f"the link of {address}"))
