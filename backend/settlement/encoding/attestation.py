"""EIP-712 attestations of a settlement epoch, as CampaignEscrow.commitSettlement checks them.

The domain (name "trustledger CampaignEscrow", version "1", chain id, escrow address)
binds every signature to one contract on one chain. Attesters sign
``Settlement(uint256 campaignId,uint64 epoch,bytes32 eventsRoot,bytes32 balanceRoot,
uint256 cumulativeSpent,uint32 eventCount,uint32 revision)``; a signature cannot be replayed
on the same contract because every epoch of a campaign is committed at most once.
``revision`` is the campaign revision the figures build on (the mirrored campaign's when the
settle pass priced them): once an upheld or expired challenge starts a new revision, a commit
signed before it reverts (``CampaignEscrowStaleRevision``) instead of becoming a root of the
new revision on top of discarded figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data

from backend.proofs import eip712

DOMAIN_NAME = "trustledger CampaignEscrow"
DOMAIN_VERSION = "1"


class AttestationError(ValueError):
    """A signature does not recover to an expected attester."""


@dataclass(frozen=True)
class SettlementAttestation:
    """What the attesters of a campaign vouch for in one epoch."""

    campaign_id: int
    epoch: int
    events_root: bytes
    balance_root: bytes
    cumulative_spent: int
    event_count: int
    revision: int

    PRIMARY_TYPE: ClassVar[str] = "Settlement"
    FIELDS: ClassVar[list[dict[str, str]]] = [
        {"name": "campaignId", "type": "uint256"},
        {"name": "epoch", "type": "uint64"},
        {"name": "eventsRoot", "type": "bytes32"},
        {"name": "balanceRoot", "type": "bytes32"},
        {"name": "cumulativeSpent", "type": "uint256"},
        {"name": "eventCount", "type": "uint32"},
        {"name": "revision", "type": "uint32"},
    ]

    def __post_init__(self) -> None:
        for name in ("events_root", "balance_root"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise ValueError(f"{name} must be 32 bytes")
        for name, bits in (("campaign_id", 256), ("epoch", 64), ("cumulative_spent", 256), ("event_count", 32),
                           ("revision", 32)):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 2**bits:
                raise ValueError(f"{name} must be a uint{bits}, got {value!r}")

    def values(self) -> tuple:
        return (
            self.campaign_id,
            self.epoch,
            self.events_root,
            self.balance_root,
            self.cumulative_spent,
            self.event_count,
            self.revision,
        )

    def commit_args(self, signatures: list[bytes]) -> tuple:
        """Arguments of ``commitSettlement`` in order."""
        return (*self.values(), signatures)


def type_string() -> str:
    fields = ",".join(f"{field['type']} {field['name']}" for field in SettlementAttestation.FIELDS)
    return f"{SettlementAttestation.PRIMARY_TYPE}({fields})"


def domain(chain_id: int, escrow_address: str) -> dict[str, Any]:
    return eip712.domain(DOMAIN_NAME, DOMAIN_VERSION, chain_id, escrow_address)


def typed_data(attestation: SettlementAttestation, chain_id: int, escrow_address: str) -> dict[str, Any]:
    """The full ``eth_signTypedData_v4`` payload."""
    names = [field["name"] for field in SettlementAttestation.FIELDS]
    values = ["0x" + value.hex() if isinstance(value, bytes) else value for value in attestation.values()]
    return {
        "types": {"EIP712Domain": eip712.DOMAIN_FIELDS, SettlementAttestation.PRIMARY_TYPE: SettlementAttestation.FIELDS},
        "primaryType": SettlementAttestation.PRIMARY_TYPE,
        "domain": domain(chain_id, escrow_address),
        "message": dict(zip(names, values, strict=True)),
    }


def signable(attestation: SettlementAttestation, chain_id: int, escrow_address: str) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(attestation, chain_id, escrow_address))


def digest(attestation: SettlementAttestation, chain_id: int, escrow_address: str) -> bytes:
    """What ``CampaignEscrow.attestationDigest`` returns."""
    encoded = signable(attestation, chain_id, escrow_address)
    return eip712.digest(encoded)


def sign(attestation: SettlementAttestation, private_key: bytes | str, chain_id: int, escrow_address: str) -> bytes:
    """A 65-byte (r, s, v) signature."""
    signed = Account.sign_message(signable(attestation, chain_id, escrow_address), private_key)
    return bytes(signed.signature)


def recover_signer(attestation: SettlementAttestation, signature: bytes, chain_id: int, escrow_address: str) -> str:
    return Account.recover_message(signable(attestation, chain_id, escrow_address), signature=signature)


def sign_all(
    attestation: SettlementAttestation, private_keys: Iterable[bytes | str], chain_id: int, escrow_address: str
) -> list[bytes]:
    """Signatures by every key, ordered by ascending signer address as ``commitSettlement`` requires."""
    signed = []
    for key in private_keys:
        signer = int(Account.from_key(key).address, 16)
        signed.append((signer, sign(attestation, key, chain_id, escrow_address)))
    if len({signer for signer, _ in signed}) != len(signed):
        raise AttestationError("the same key signed twice; the contract counts each attester once")
    return [signature for _, signature in sorted(signed)]
