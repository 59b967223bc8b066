"""The DIDs the platform speaks: did:pkh for consumers, did:ethr for organisations.

::

    did:pkh:eip155:<chain id, decimal>:<address>          (CAIP-10 account; no transaction)
    did:ethr[:<chain id, 0x-hex>]:<address | compressed secp256k1 public key>
                                                          (ERC-1056 identity; no network = chain 1)

Parsing is strict and every refusal says why; a DID names an account, so an address
in mixed case must carry a valid EIP-55 checksum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_keys import keys
from eth_keys.exceptions import ValidationError as KeyValidationError
from eth_utils import is_checksum_address, to_checksum_address
from pydid import DID, InvalidDIDError

from backend.core import errors as kinds

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_PUBLIC_KEY = re.compile(r"^0x0[23][0-9a-fA-F]{64}$")
_HEX_CHAIN = re.compile(r"^0x[0-9a-fA-F]{1,16}$")
_DECIMAL_CHAIN = re.compile(r"^[1-9][0-9]{0,31}$")
SUPPORTED_METHODS = ("pkh", "ethr")


class DidError(kinds.Refusal):
    """Base of DID refusals: ``DidError(code, message)``; the subclasses say which kind."""


class MalformedDid(DidError, kinds.Malformed):
    """The string is not a valid DID."""


class DidMethodNotServed(DidError, kinds.InvalidInput):
    """A valid DID of a method (or form) this resolver does not serve."""


class DidNotFound(DidError, kinds.NotFound):
    """The DID's network or registry is not known here."""


class DidMirrorIncomplete(DidError, kinds.Unavailable):
    """The chain mirror has not caught up enough to resolve the DID."""


@dataclass(frozen=True)
class PkhDid:
    did: str
    chain_id: int
    address: str  # EIP-55


@dataclass(frozen=True)
class EthrDid:
    did: str
    chain_id: int
    identity: str  # EIP-55 address of the ERC-1056 identity
    public_key: bytes | None  # 33-byte compressed key when the DID names one


def pkh_did(chain_id: int, address: str) -> str:
    return f"did:pkh:eip155:{chain_id}:{to_checksum_address(address)}"


def ethr_did(chain_id: int, address: str) -> str:
    return f"did:ethr:{hex(chain_id)}:{to_checksum_address(address)}"


def _malformed(did: str, reason: str) -> DidError:
    return MalformedDid("invalid_did", f"{did!r} is not a valid DID: {reason}")


def _address(did: str, text: str) -> str:
    if not _ADDRESS.match(text):
        raise _malformed(did, f"{text!r} is not a 0x-prefixed 20-byte address")
    if text[2:] != text[2:].lower() and text[2:] != text[2:].upper() and not is_checksum_address(text):
        raise _malformed(did, f"{text} has a wrong EIP-55 checksum")
    return to_checksum_address(text)


def parse_did(text: str) -> PkhDid | EthrDid:
    try:
        parsed = DID(text)
    except InvalidDIDError:
        raise _malformed(text, "expected did:<method>:<method-specific-id>") from None
    if parsed.method not in SUPPORTED_METHODS:
        raise DidMethodNotServed(
            "did_method_not_supported", f"did:{parsed.method} is not served here; use did:pkh or did:ethr"
        )
    parts = parsed.method_specific_id.split(":")
    if parsed.method == "pkh":
        if len(parts) != 3:
            raise _malformed(text, "did:pkh is did:pkh:eip155:<chain id>:<address>")
        namespace, reference, account = parts
        if namespace != "eip155":
            raise DidMethodNotServed(
                "did_method_not_supported", f"did:pkh namespace {namespace!r} is not served; use eip155"
            )
        if not _DECIMAL_CHAIN.match(reference):
            raise _malformed(text, f"chain id {reference!r} is not a decimal number")
        return PkhDid(text, int(reference), _address(text, account))
    if len(parts) == 1:
        network, identifier = "0x1", parts[0]
    elif len(parts) == 2:
        network, identifier = parts
    else:
        raise _malformed(text, "did:ethr is did:ethr[:<0x chain id>]:<address or public key>")
    if not _HEX_CHAIN.match(network):
        raise DidNotFound("did_unknown_network", f"network {network!r} is not known here; name the chain id in hex")
    if _PUBLIC_KEY.match(identifier):
        try:
            public_key = keys.PublicKey.from_compressed_bytes(bytes.fromhex(identifier[2:]))
        except (KeyValidationError, ValueError):
            raise _malformed(text, f"{identifier} is not a secp256k1 public key") from None
        return EthrDid(text, int(network, 16), public_key.to_checksum_address(), bytes.fromhex(identifier[2:]))
    return EthrDid(text, int(network, 16), _address(text, identifier), None)
