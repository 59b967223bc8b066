"""Leaves of CampaignEscrow's two Merkle trees per epoch, in OpenZeppelin's convention.

A leaf hash is ``keccak256(bytes.concat(keccak256(abi.encode(values))))`` (see
``backend.proofs.merkle``), so ``MerkleProof.verify`` on chain and OpenZeppelin's
merkle-tree tools off chain accept the same proofs. The ABI types are fixed by the
contract (``ICampaignEscrow``):

- balance leaf ``(uint256 campaignId, address publisher, uint256 cumulativeEarned)``;
- event leaf ``(uint256 campaignId, uint64 epoch, bytes32 eventHash, address publisher,
  uint8 kind, uint256 price)``; ``kind`` is ``backend.campaigns.kinds.EventKind.code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from eth_utils import to_checksum_address

from backend.proofs.merkle import hash_leaf

_UINT8_MAX = 2**8 - 1
_UINT64_MAX = 2**64 - 1
_UINT256_MAX = 2**256 - 1


def _check_uint(name: str, value: int, maximum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be an integer within 0..{maximum}, got {value!r}")


@dataclass(frozen=True)
class BalanceLeaf:
    """A publisher's cumulative earnings (before the platform fee) in one campaign."""

    campaign_id: int
    publisher: str
    cumulative_earned: int

    ABI_TYPES: ClassVar[tuple[str, ...]] = ("uint256", "address", "uint256")

    def __post_init__(self) -> None:
        _check_uint("campaign_id", self.campaign_id, _UINT256_MAX)
        _check_uint("cumulative_earned", self.cumulative_earned, _UINT256_MAX)
        object.__setattr__(self, "publisher", to_checksum_address(self.publisher))

    def values(self) -> tuple:
        return (self.campaign_id, self.publisher, self.cumulative_earned)

    def hash(self) -> bytes:
        return hash_leaf(self.ABI_TYPES, self.values())


@dataclass(frozen=True)
class EventLeaf:
    """One billed event; ``event_hash`` is keccak256 of its canonical record without personal data."""

    campaign_id: int
    epoch: int
    event_hash: bytes
    publisher: str
    kind: int
    price: int

    ABI_TYPES: ClassVar[tuple[str, ...]] = ("uint256", "uint64", "bytes32", "address", "uint8", "uint256")

    def __post_init__(self) -> None:
        _check_uint("campaign_id", self.campaign_id, _UINT256_MAX)
        _check_uint("epoch", self.epoch, _UINT64_MAX)
        _check_uint("kind", self.kind, _UINT8_MAX)
        _check_uint("price", self.price, _UINT256_MAX)
        if not isinstance(self.event_hash, bytes) or len(self.event_hash) != 32:
            raise ValueError("event_hash must be 32 bytes")
        object.__setattr__(self, "publisher", to_checksum_address(self.publisher))

    def values(self) -> tuple:
        return (self.campaign_id, self.epoch, self.event_hash, self.publisher, self.kind, self.price)

    def hash(self) -> bytes:
        return hash_leaf(self.ABI_TYPES, self.values())

    def contract_struct(self) -> tuple:
        """``ICampaignEscrow.EventLeaf`` (the fields besides campaign and epoch) for ``verifyEvent``."""
        return (self.event_hash, self.publisher, self.kind, self.price)
