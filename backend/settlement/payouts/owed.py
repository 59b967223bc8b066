"""Payouts against the newest matured root: who is owed what, with the balance proof the contract checks.

A payout pays ``cumulativeEarned - settledOf(publisher)`` minus the fee on that
difference, so paying the same root twice is harmless (the second reverts with
NothingToPay); the keeper still skips publishers whose payout is on its way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from backend.campaigns.chain import escrow_call
from backend.campaigns.mirror import Mirror
from backend.chain.outbox import OutboxTransaction, enqueue
from backend.proofs.merkle import MerkleTree
from backend.settlement.onchain.writes import SettlementChain, payout_reference
from backend.settlement.encoding.leaf_hashing import balance_leaf_hash
from backend.settlement.models import Settlement, SettlementStatus
from backend.settlement.onchain.reads import in_flight, publisher_active, settled_by, to_bytes32
from backend.settlement.epochs.store import balances_of, settlements_at
from indexer.models import Campaign as ChainCampaign

PAYOUT_KIND = "CampaignEscrow.payout"


@dataclass(frozen=True)
class Owed:
    publisher: str
    cumulative_earned: int  # in the matured root
    settled: int  # already paid out, fees included
    proof: list[bytes]

    @property
    def amount(self) -> int:
        """Before the platform fee."""
        return self.cumulative_earned - self.settled


def matured_settlement(session: Session, campaign: ChainCampaign) -> Settlement | None:
    """Our settlement whose balance root matured on chain (None before any matured, or if it is not ours)."""
    return matured_settlements(session, campaign.contract, [campaign]).get(campaign.campaign_id)


def matured_settlements(session: Session, escrow: str, campaigns: Iterable[ChainCampaign]) -> dict[int, Settlement]:
    """`matured_settlement` of each of `campaigns` (one escrow's) that has one, by campaign id, in one query."""
    wanted = {c.campaign_id: c for c in campaigns if c.matured_root is not None and c.matured_epoch != 0}
    if not wanted:
        return {}
    rows = settlements_at(session, escrow, [(c.campaign_id, c.matured_epoch) for c in wanted.values()])
    return {row.campaign_id: row for row in rows if _is_matured_root(row, wanted[row.campaign_id])}


def _is_matured_root(settlement: Settlement, campaign: ChainCampaign) -> bool:
    """Our live settlement whose balance root is the one that matured on chain (not one a challenge discarded)."""
    return settlement.status == SettlementStatus.LIVE and settlement.balance_root == to_bytes32(campaign.matured_root)


def owed(session: Session, campaign: ChainCampaign) -> list[Owed]:
    """Every publisher of the matured root with earnings beyond what it was settled."""
    settlement = matured_settlement(session, campaign)
    if settlement is None:
        return []
    balances = balances_of(session, settlement.id)
    settled = settled_by(session, campaign.contract, campaign.campaign_id)
    tree = MerkleTree([balance_leaf_hash(campaign.campaign_id, p, amount) for p, amount in balances.items()])
    result = []
    for publisher, cumulative in sorted(balances.items()):
        before = settled[publisher].settled if publisher in settled else 0
        if cumulative > before:
            leaf = balance_leaf_hash(campaign.campaign_id, publisher, cumulative)
            result.append(Owed(publisher, cumulative, before, tree.proof(leaf)))
    return result


def queue_payout(session: Session, chain: SettlementChain, campaign_id: int, due: Owed) -> OutboxTransaction:
    return enqueue(
        session,
        sender=chain.relayer,
        to=chain.escrow,
        data=escrow_call("payout", campaign_id, due.publisher, due.cumulative_earned, due.proof),
        kind=PAYOUT_KIND,
        reference=payout_reference(chain.escrow, campaign_id, due.publisher),
    )


def payable(session: Session, chain: SettlementChain, mirror: Mirror, campaign: ChainCampaign, due: Owed) -> bool:
    """Queue it now: the publisher is active on chain and no payout of it is on its way."""
    chain_time = mirror.chain_time() or 0
    if not publisher_active(mirror, chain.registry, due.publisher, chain_time):
        return False
    reference = payout_reference(chain.escrow, campaign.campaign_id, due.publisher)
    return not in_flight(session, reference, mirror.checkpoint_block())
