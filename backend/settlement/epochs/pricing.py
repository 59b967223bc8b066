"""One epoch of one campaign, from billable events to the attestation: a pure function.

``build_epoch`` prices the events on the cumulative tallies (``backend.ads.pricing``),
then builds both trees of CampaignEscrow:
- ``eventsRoot`` over the leaves of the events billed in this epoch;
- ``balanceRoot`` over ``(campaignId, publisher, cumulativeEarned)`` of every publisher
  ever billed in the campaign, not only this epoch's: payouts pay against the newest
  matured root alone, so each root must carry every balance.
No database and no chain: the settle task stores and commits what it returns, and the
gas benchmark drives the same function with synthetic events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backend.ads.pricing import BillableEvent, Outcome, PricingResult, PublisherTally, price_events
from backend.campaigns.terms import CampaignTerms
from backend.proofs.merkle import MerkleTree
from backend.settlement.encoding.attestation import SettlementAttestation
from backend.settlement.encoding.leaf_hashing import EventLeafHasher, balance_leaf_hash

_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class EpochSettlement:
    campaign_id: int
    epoch: int
    revision: int  # the campaign revision these figures build on (signed in the attestation)
    pricing: PricingResult
    billed_count: int
    billed_amount: int
    event_leaves: tuple[bytes, ...]  # leaf hashes of the billed events, in pricing order
    balances: dict[str, int]  # publisher -> cumulative earnings, every publisher ever billed
    events_tree: MerkleTree | None  # None: nothing billed, nothing to commit
    balance_tree: MerkleTree | None

    @property
    def committable(self) -> bool:
        return self.events_tree is not None

    def attestation(self) -> SettlementAttestation:
        if self.events_tree is None or self.balance_tree is None:
            raise ValueError(f"epoch {self.epoch} of campaign {self.campaign_id} billed nothing: no attestation")
        return SettlementAttestation(
            campaign_id=self.campaign_id,
            epoch=self.epoch,
            events_root=self.events_tree.root,
            balance_root=self.balance_tree.root,
            cumulative_spent=self.pricing.cumulative_spent,
            event_count=self.billed_count,
            revision=self.revision,
        )


def build_epoch(
    *,
    campaign_id: int,
    epoch: int,
    revision: int,
    terms: CampaignTerms,
    events: Sequence[BillableEvent],
    event_hashes: Mapping[int, bytes],
    tallies: Mapping[str, PublisherTally],
    cumulative_spent: int,
    deposit: int,
    reserve: int = 0,
) -> EpochSettlement:
    """``event_hashes``: the eventHash of each event, by its sequence; ``revision``: the campaign's
    on-chain revision the cumulative figures continue from (a commit fails once it has moved on)."""
    pricing = price_events(
        terms, events, tallies=tallies, cumulative_spent=cumulative_spent, deposit=deposit, reserve=reserve
    )
    hasher = EventLeafHasher(campaign_id, epoch)
    leaves = tuple(
        hasher.hash(event_hashes[priced.sequence], priced.publisher, priced.kind.code, priced.price)
        for priced in pricing.events
        if priced.outcome is Outcome.BILLED
    )
    if len(leaves) > _UINT32_MAX:
        raise ValueError(f"{len(leaves)} billed events do not fit the attestation's uint32 eventCount")
    balances = {
        publisher: tally.earned
        for publisher, tally in pricing.tallies.items()
        if tally.impressions or tally.clicks or tally.conversions
    }
    events_tree = balance_tree = None
    if leaves:
        events_tree = MerkleTree(leaves)
        balance_tree = MerkleTree([balance_leaf_hash(campaign_id, p, amount) for p, amount in balances.items()])
    return EpochSettlement(
        campaign_id=campaign_id,
        epoch=epoch,
        revision=revision,
        pricing=pricing,
        billed_count=len(leaves),
        billed_amount=pricing.cumulative_spent - cumulative_spent,
        event_leaves=leaves,
        balances=balances,
        events_tree=events_tree,
        balance_tree=balance_tree,
    )
