"""EIP-712 pieces shared by every contract's signed messages: the domain and the digest.

Each contract names its own domain (``name``, ``version``) and binds ``chainId`` and
``verifyingContract``, so a signature for one contract or chain is useless on another.
"""

from __future__ import annotations

from typing import Any

from eth_account.messages import SignableMessage
from eth_utils import keccak, to_checksum_address

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def domain(name: str, version: str, chain_id: int, verifying_contract: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(verifying_contract),
    }


def digest(encoded: SignableMessage) -> bytes:
    """The 32 bytes a contract's `_hashTypedDataV4` returns for the same message."""
    return keccak(b"\x19" + encoded.version + encoded.header + encoded.body)
