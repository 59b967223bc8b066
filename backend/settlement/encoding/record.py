"""The per-epoch settlement record whose hash CampaignEscrow stores (one slot per commit).

``matureSettlement``, ``challenge`` and ``verifyEvent`` take the record as calldata and
check it against the stored hash. Its fields come from the chain: both roots from the
``SettlementCommitted`` log, ``committed_at`` from that log's block timestamp, and
``revision`` is the campaign's revision when it was committed (``campaign(id).revision``
then; it grows with every ``ChallengeResolved`` whose outcome is Upheld or Expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from eth_abi import encode
from eth_utils import keccak


@dataclass(frozen=True)
class SettlementRecord:
    events_root: bytes
    balance_root: bytes
    cumulative_spent: int
    committed_at: int
    revision: int

    ABI_TYPES: ClassVar[tuple[str, ...]] = ("bytes32", "bytes32", "uint256", "uint64", "uint32")

    def __post_init__(self) -> None:
        for name in ("events_root", "balance_root"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise ValueError(f"{name} must be 32 bytes")
        for name, bits in (("cumulative_spent", 256), ("committed_at", 64), ("revision", 32)):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 2**bits:
                raise ValueError(f"{name} must be a uint{bits}, got {value!r}")

    def as_tuple(self) -> tuple:
        """The ``ICampaignEscrow.SettlementRecord`` argument of a contract call."""
        return (self.events_root, self.balance_root, self.cumulative_spent, self.committed_at, self.revision)

    def hash(self) -> bytes:
        """What ``CampaignEscrow.settlementHash(campaignId, epoch)`` returns for this record."""
        return keccak(encode(list(self.ABI_TYPES), list(self.as_tuple())))
