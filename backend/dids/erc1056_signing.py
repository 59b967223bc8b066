"""The meta-transaction messages of ERC-1056 (``changeOwnerSigned``, ``addDelegateSigned``, ...).

ERC-1056 signs ``keccak256(0x19 0x00 registry nonce identity "<function>" args...)`` with
the arguments tightly packed: an EIP-191 version-0 ("intended validator") message whose
validator is the registry. ``nonce`` is ``DIDRegistry.nonce(identityOwner(identity))``,
read right before signing. The same bytes are what did:ethr tooling signs.
"""

from __future__ import annotations

from typing import NamedTuple

from eth_abi.packed import encode_packed
from eth_account import Account
from eth_account.messages import SignableMessage, encode_intended_validator
from eth_utils import keccak, to_checksum_address


class MetaTxSignature(NamedTuple):
    """The (sigV, sigR, sigS) arguments of a ``...Signed`` call."""

    v: int
    r: bytes
    s: bytes


def to_bytes32(name: str) -> bytes:
    """A delegate type or attribute name (e.g. ``veriKey``, ``did/pub/Secp256k1/veriKey/hex``), right-padded."""
    raw = name.encode()
    if len(raw) > 32:
        raise ValueError(f"{name!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")


def change_owner_message(registry: str, nonce: int, identity: str, new_owner: str) -> SignableMessage:
    return _message(registry, nonce, identity, "changeOwner", ["address"], [new_owner])


def add_delegate_message(
    registry: str, nonce: int, identity: str, delegate_type: bytes, delegate: str, validity: int
) -> SignableMessage:
    return _message(
        registry, nonce, identity, "addDelegate", ["bytes32", "address", "uint256"], [delegate_type, delegate, validity]
    )


def revoke_delegate_message(
    registry: str, nonce: int, identity: str, delegate_type: bytes, delegate: str
) -> SignableMessage:
    return _message(registry, nonce, identity, "revokeDelegate", ["bytes32", "address"], [delegate_type, delegate])


def set_attribute_message(
    registry: str, nonce: int, identity: str, name: bytes, value: bytes, validity: int
) -> SignableMessage:
    return _message(registry, nonce, identity, "setAttribute", ["bytes32", "bytes", "uint256"], [name, value, validity])


def revoke_attribute_message(registry: str, nonce: int, identity: str, name: bytes, value: bytes) -> SignableMessage:
    return _message(registry, nonce, identity, "revokeAttribute", ["bytes32", "bytes"], [name, value])


def meta_tx_hash(message: SignableMessage) -> bytes:
    """The hash the registry recovers the signer from."""
    return keccak(b"\x19" + message.version + message.header + message.body)


def sign_meta_tx(message: SignableMessage, private_key: bytes | str) -> MetaTxSignature:
    signed = Account.sign_message(message, private_key)
    return MetaTxSignature(signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"))


def _message(
    registry: str, nonce: int, identity: str, function: str, types: list[str], values: list
) -> SignableMessage:
    body = encode_packed(
        ["uint256", "address", "string", *types], [nonce, to_checksum_address(identity), function, *values]
    )
    return encode_intended_validator(to_checksum_address(registry), primitive=body)
