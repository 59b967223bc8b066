"""Publisher signatures over event batches: no shared secret on our side.

Headers (names are case-insensitive in HTTP):
- ``X-Trustledger-Timestamp``: unix seconds when the batch was signed.
- ``X-Trustledger-Signature``: the signature, hex (``0x`` optional).

Signed bytes: ``b"trustledger.events.v1:" + timestamp + b":" + body``, the body
exactly as sent. The timestamp is inside the signed bytes, so an old signature cannot
be refreshed by changing the header; the prefix keeps a batch signature from being
valid for any other protocol the key signs for.

Schemes, by the publisher's registered key:
- ``ed25519``: Ed25519 over the signed bytes (64-byte signature), public key registered.
- ``secp256k1``: EIP-191 ``personal_sign`` of ``keccak256(signed bytes)`` (65-byte
  r‖s‖v), the Ethereum address registered — what any wallet or eth-account signs with
  ``encode_defunct(primitive=digest)``. Signing the body itself with personal_sign was
  rejected: wallets would display a megabyte of JSON, and the length prefix adds nothing.

A signature more than ``MAX_SIGNATURE_AGE`` seconds from the server clock (either
way) is refused. Replays of an accepted body are refused by ``BodyReplayCache`` and,
durably, by the unique body hash in ``ad_batches``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import keccak, to_checksum_address
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

TIMESTAMP_HEADER = "X-Trustledger-Timestamp"
SIGNATURE_HEADER = "X-Trustledger-Signature"
SIGNING_PREFIX = b"trustledger.events.v1:"
MAX_SIGNATURE_AGE = 300


class KeyType(StrEnum):
    ED25519 = "ed25519"
    SECP256K1 = "secp256k1"


@dataclass(frozen=True)
class PublisherKey:
    """A registered verification key: a 32-byte Ed25519 public key, or a 20-byte Ethereum address."""

    key_type: KeyType
    public: bytes

    def __post_init__(self) -> None:
        expected = 32 if self.key_type is KeyType.ED25519 else 20
        if len(self.public) != expected:
            raise ValueError(f"a {self.key_type} key is {expected} bytes, got {len(self.public)}")


class SignatureRefused(Exception):
    """``code`` is the API's machine-readable reason (all are 401s)."""

    code = "signature_invalid"


class SignatureMissing(SignatureRefused):
    code = "signature_missing"


class SignatureStale(SignatureRefused):
    code = "signature_stale"


class SignatureInvalid(SignatureRefused):
    code = "signature_invalid"


def signed_bytes(timestamp: str, body: bytes) -> bytes:
    return SIGNING_PREFIX + timestamp.encode("ascii") + b":" + body


def sign_ed25519(seed: bytes, timestamp: str, body: bytes) -> str:
    """What a publisher's server does (also used by the demo and the tests)."""
    return SigningKey(seed).sign(signed_bytes(timestamp, body)).signature.hex()


def sign_secp256k1(private_key: bytes | str, timestamp: str, body: bytes) -> str:
    message = encode_defunct(primitive=keccak(signed_bytes(timestamp, body)))
    return Account.sign_message(message, private_key).signature.hex()


def verify_batch_signature(
    body: bytes, timestamp: str | None, signature: str | None, keys: Sequence[PublisherKey], now: int
) -> PublisherKey:
    """The registered key that signed this body; refused if stale, malformed or signed by no key given."""
    if not timestamp or not signature:
        raise SignatureMissing(f"headers {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise SignatureInvalid(f"{TIMESTAMP_HEADER} must be unix seconds")
    age = now - int(timestamp)
    if abs(age) > MAX_SIGNATURE_AGE:
        raise SignatureStale(f"signed {age} s from the server clock; at most {MAX_SIGNATURE_AGE} s is accepted")
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must be hex") from None
    message = signed_bytes(timestamp, body)
    for key in keys:
        if _verifies(key, message, raw):
            return key
    raise SignatureInvalid("the signature matches no key registered for this publisher")


def _verifies(key: PublisherKey, message: bytes, signature: bytes) -> bool:
    if key.key_type is KeyType.ED25519:
        if len(signature) != 64:
            return False
        try:
            VerifyKey(key.public).verify(message, signature)
        except BadSignatureError:
            return False
        return True
    if len(signature) != 65:
        return False
    try:
        signer = Account.recover_message(encode_defunct(primitive=keccak(message)), signature=signature)
    except (ValueError, BadSignature):
        return False
    return signer == to_checksum_address(key.public)
