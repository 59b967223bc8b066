"""EIP-712 messages of the ConsentRegistry: build, sign, hash and recover them.

The payloads are what a wallet's ``eth_signTypedData_v4`` takes (MetaMask encoding);
eth-account's ``encode_typed_data`` hashes them exactly as the contract does. A grant's
consent id is the EIP-712 digest of its ``Consent``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_abi import encode
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak, to_checksum_address
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError

from backend.proofs import eip712

DOMAIN_NAME = "trustledger ConsentRegistry"
DOMAIN_VERSION = "1"


class ConsentSignatureError(ValueError):
    """A signature does not recover to the message's subject."""


@dataclass(frozen=True)
class Consent:
    """A consumer's grant: the subject is its pairwise address for this grantee."""

    subject: str
    grantee: str
    offer_id: int
    purpose: bytes  # purpose_hash(DPV term)
    data_categories_hash: bytes  # data_categories_hash(categories)
    expiry: int  # unix seconds
    compensation: int  # token base units, the offer's
    nonce: int  # new_nonce(): salts the consent id
    deadline: int  # unix seconds until which it may be relayed

    PRIMARY_TYPE: ClassVar[str] = "Consent"
    FIELDS: ClassVar[list[dict[str, str]]] = [
        {"name": "subject", "type": "address"},
        {"name": "grantee", "type": "address"},
        {"name": "offerId", "type": "uint256"},
        {"name": "purpose", "type": "bytes32"},
        {"name": "dataCategoriesHash", "type": "bytes32"},
        {"name": "expiry", "type": "uint64"},
        {"name": "compensation", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]

    def values(self) -> tuple:
        return (
            to_checksum_address(self.subject),
            to_checksum_address(self.grantee),
            self.offer_id,
            self.purpose,
            self.data_categories_hash,
            self.expiry,
            self.compensation,
            self.nonce,
            self.deadline,
        )


@dataclass(frozen=True)
class Withdrawal:
    """A consumer's withdrawal of one consent."""

    subject: str
    consent_id: bytes
    deadline: int

    PRIMARY_TYPE: ClassVar[str] = "Withdrawal"
    FIELDS: ClassVar[list[dict[str, str]]] = [
        {"name": "subject", "type": "address"},
        {"name": "consentId", "type": "bytes32"},
        {"name": "deadline", "type": "uint256"},
    ]

    def values(self) -> tuple:
        return (to_checksum_address(self.subject), self.consent_id, self.deadline)


@dataclass(frozen=True)
class Sweep:
    """A consumer's order to pay its accrued rewards in `token` to `recipient`."""

    subject: str
    token: str
    recipient: str
    nonce: int  # ConsentRegistry.sweepNonce(subject)
    deadline: int

    PRIMARY_TYPE: ClassVar[str] = "Sweep"
    FIELDS: ClassVar[list[dict[str, str]]] = [
        {"name": "subject", "type": "address"},
        {"name": "token", "type": "address"},
        {"name": "recipient", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]

    def values(self) -> tuple:
        return (
            to_checksum_address(self.subject),
            to_checksum_address(self.token),
            to_checksum_address(self.recipient),
            self.nonce,
            self.deadline,
        )


ConsentMessage = Consent | Withdrawal | Sweep


def purpose_hash(term: str) -> bytes:
    """The on-chain purpose: keccak256 of the DPV term, e.g. ``dpv:PersonalisedAdvertising``."""
    return keccak(text=term)


def data_categories_hash(categories: Iterable[str]) -> bytes:
    """keccak256(abi.encode(string[])) over the sorted, de-duplicated category names."""
    return keccak(encode(["string[]"], [sorted(set(categories))]))


def new_nonce() -> int:
    """A random 256-bit consent nonce (it salts the consent id)."""
    return secrets.randbits(256)


def type_string(message_type: type[ConsentMessage]) -> str:
    """The EIP-712 type string, e.g. ``Withdrawal(address subject,bytes32 consentId,uint256 deadline)``."""
    fields = ",".join(f"{field['type']} {field['name']}" for field in message_type.FIELDS)
    return f"{message_type.PRIMARY_TYPE}({fields})"


def domain(chain_id: int, registry_address: str) -> dict[str, Any]:
    return eip712.domain(DOMAIN_NAME, DOMAIN_VERSION, chain_id, registry_address)


def typed_data(message: ConsentMessage, chain_id: int, registry_address: str) -> dict[str, Any]:
    """The full ``eth_signTypedData_v4`` payload a wallet signs."""
    names = [field["name"] for field in message.FIELDS]
    values = [_json_value(value) for value in message.values()]
    return {
        "types": {"EIP712Domain": eip712.DOMAIN_FIELDS, message.PRIMARY_TYPE: message.FIELDS},
        "primaryType": message.PRIMARY_TYPE,
        "domain": domain(chain_id, registry_address),
        "message": dict(zip(names, values, strict=True)),
    }


def signable(message: ConsentMessage, chain_id: int, registry_address: str) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(message, chain_id, registry_address))


def digest(message: ConsentMessage, chain_id: int, registry_address: str) -> bytes:
    """The EIP-712 digest the contract checks; for a ``Consent`` this is its consent id."""
    encoded = signable(message, chain_id, registry_address)
    return eip712.digest(encoded)


def consent_id(consent: Consent, chain_id: int, registry_address: str) -> bytes:
    return digest(consent, chain_id, registry_address)


def sign(message: ConsentMessage, private_key: bytes | str, chain_id: int, registry_address: str) -> bytes:
    """A 65-byte signature (r, s, v), as a wallet returns it."""
    signed = Account.sign_message(signable(message, chain_id, registry_address), private_key)
    return bytes(signed.signature)


def recover_signer(message: ConsentMessage, signature: bytes, chain_id: int, registry_address: str) -> str:
    return Account.recover_message(signable(message, chain_id, registry_address), signature=signature)


def verify(message: ConsentMessage, signature: bytes, chain_id: int, registry_address: str) -> None:
    """Raise ConsentSignatureError unless the message's subject signed it (the API checks before relaying)."""
    try:
        signer = recover_signer(message, signature, chain_id, registry_address)
    except (ValueError, ValidationError, BadSignature) as exc:  # malformed or unrecoverable signature bytes
        raise ConsentSignatureError(f"unreadable signature: {exc}") from exc
    if signer != to_checksum_address(message.subject):
        raise ConsentSignatureError(f"signed by {signer}, not by the subject {message.subject}")


_JS_MAX_SAFE_INTEGER = 2**53 - 1


def _json_value(value: Any) -> Any:
    """JSON a wallet reads: bytes as 0x-hex, integers a JS number would round as decimal strings."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and value > _JS_MAX_SAFE_INTEGER:
        return str(value)
    return value
