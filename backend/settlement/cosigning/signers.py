"""Co-signed settlements: epochs whose commit needs attesters besides the platform's.

A campaign names 1..16 attesters, a threshold, and optionally an independent verifier
(``CampaignEscrow.createCampaign``); ``commitSettlement`` wants at least `threshold`
attester signatures plus the verifier's. When the platform's attester cannot supply
that alone, a settle pass stores the epoch exactly as it would otherwise (priced events,
both trees, tallies), signs if the platform's attester is one of the named signers, and
queues no commit: the settlement *awaits attestations* (live, no outbox row).

Guarantees:
- a campaign has at most one settlement awaiting attestations, and settle passes skip the
  campaign while it waits (``Skipped.AWAITING_ATTESTATIONS``), so every later epoch builds
  on figures that are committed, or on their way;
- ``settlement_signatures`` holds one signature per signer, each recovered over the stored
  figures in this escrow's EIP-712 domain to a named attester or the verifier (as
  mirrored);
- the signature that completes the set queues ``commitSettlement`` in the same
  transaction, with every collected signature in ascending signer order.

An awaiting settlement is undone like any live one: if an earlier root is discarded by a
challenge, ``reconcile`` re-opens its events and marks it discarded; its signatures stay
as a record of who signed what.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlmodel import Session, col, select

from backend.settlement.onchain.writes import SettlementChain
from backend.settlement.cosigning.commit import queue_commit
from backend.settlement.models import Settlement, SettlementSignature, SettlementStatus
from indexer.models import Campaign as ChainCampaign


@dataclass(frozen=True)
class Signers:
    """Who must sign a campaign's commits, as CampaignEscrow checks it."""

    attesters: frozenset[str]  # checksummed
    threshold: int
    verifier: str | None

    @classmethod
    def of(cls, on_chain: ChainCampaign) -> "Signers":
        return cls(
            attesters=frozenset(to_checksum_address(a) for a in on_chain.attesters),
            threshold=on_chain.threshold,
            verifier=to_checksum_address(on_chain.verifier) if on_chain.verifier else None,
        )

    def named(self, address: str | None) -> bool:
        return address is not None and (address in self.attesters or address == self.verifier)

    def complete(self, signed: Iterable[str]) -> bool:
        signed = set(signed)
        enough = len(signed & self.attesters) >= self.threshold
        return enough and (self.verifier is None or self.verifier in signed)

    def still_needed(self, signed: Iterable[str]) -> tuple[int, bool]:
        """How many attester signatures are missing, and whether the verifier's is."""
        signed = set(signed)
        missing_attesters = max(self.threshold - len(signed & self.attesters), 0)
        return missing_attesters, self.verifier is not None and self.verifier not in signed


def awaiting_settlement(session: Session, escrow: str, campaign_id: int) -> Settlement | None:
    return session.exec(
        select(Settlement).where(
            Settlement.escrow_address == escrow,
            Settlement.campaign_id == campaign_id,
            Settlement.status == SettlementStatus.LIVE,
            col(Settlement.outbox_id).is_(None),
        )
    ).first()


def all_awaiting(session: Session, escrow: str) -> list[Settlement]:
    return list(
        session.exec(
            select(Settlement)
            .where(
                Settlement.escrow_address == escrow,
                Settlement.status == SettlementStatus.LIVE,
                col(Settlement.outbox_id).is_(None),
            )
            .order_by(Settlement.campaign_id, Settlement.epoch)
        )
    )


def signatures_of(session: Session, settlement_ids: Iterable[int]) -> dict[int, dict[str, bytes]]:
    """Settlement id -> signer -> signature collected so far."""
    ids = list(settlement_ids)
    result: dict[int, dict[str, bytes]] = {i: {} for i in ids}
    if ids:
        rows = session.exec(
            select(SettlementSignature).where(col(SettlementSignature.settlement_id).in_(ids))
        )
        for row in rows:
            result[row.settlement_id][row.signer] = bytes(row.signature)
    return result


def collect(
    session: Session,
    chain: SettlementChain,
    settlement: Settlement,
    signers: Signers,
    new: Mapping[str, bytes],
    *,
    submitted_by: uuid.UUID | None = None,
    custodial: bool = False,
) -> bool:
    """Keep the new signatures (signer -> 65 bytes, already recovered and named) of an awaiting
    settlement; queue its commit when the set is complete. Returns whether it was queued."""
    held = signatures_of(session, [settlement.id])[settlement.id]
    for signer, signature in new.items():
        if signer in held:
            continue
        session.add(
            SettlementSignature(
                settlement_id=settlement.id,
                signer=signer,
                signature=signature,
                as_verifier=signer == signers.verifier,
                submitted_by=submitted_by,
                custodial=custodial,
            )
        )
        held[signer] = signature
    session.flush()
    if not signers.complete(held):
        return False
    queue_commit(session, chain, settlement, {s: sig for s, sig in held.items() if signers.named(s)})
    return True
