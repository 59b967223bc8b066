"""AES-256-GCM sealing of one chain key.

The additional authenticated data binds a ciphertext to its address and master key id:
a ciphertext copied onto another row, or relabelled with another key id, fails to open
instead of yielding a key that signs for the wrong participant.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.keys.errors import KeyDecryptionError
from backend.keys.master import MasterKey

NONCE_BYTES = 12
_AAD_PREFIX = b"trustledger/custodial-key/v1"


def _aad(address: str, key_id: str) -> bytes:
    return b"|".join((_AAD_PREFIX, address.lower().encode(), key_id.encode()))


def seal(master: MasterKey, address: str, private_key: bytes) -> tuple[bytes, bytes]:
    """Encrypt `private_key` for `address`; returns (nonce, ciphertext). A fresh random nonce each call."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce, AESGCM(master.secret).encrypt(nonce, private_key, _aad(address, master.key_id))


def unseal(master: MasterKey, address: str, nonce: bytes, ciphertext: bytes) -> bytes:
    try:
        return AESGCM(master.secret).decrypt(nonce, ciphertext, _aad(address, master.key_id))
    except InvalidTag:
        raise KeyDecryptionError(f"the key of {address} does not open under master key {master.key_id}") from None
