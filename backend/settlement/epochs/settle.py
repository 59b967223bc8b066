"""Settle one campaign: price its accepted events of closed epochs, store both trees, queue the commit.

Guarantees:
- One database transaction holds the priced events, the tallies, the settlement row
  with its trees and the outbox row of ``commitSettlement``: all of it or none.
- A campaign whose commits need attesters besides the platform's (a threshold above what
  the platform's attester gives, or a verifier) gets the same settlement row, signed by
  the platform's attester if it is named, but no outbox row yet: it awaits the others'
  signatures (``backend.settlement.cosigning.signers``) and the campaign's later passes skip.
- An epoch is committed at most once: ``(escrow, campaign, epoch)`` is unique, and a
  pass only takes events still ``accepted`` (a second pass over the same epoch finds
  none). On PostgreSQL passes of one campaign are serialised by an advisory lock; on
  SQLite the single writer and the conditional updates (``ConcurrentSettlement``) are.
  The one sender turns the outbox row into exactly one transaction, crashes included.
- Nothing is billed past ``deposit - reserve`` (the deposit as mirrored); those events
  are marked ``over_budget`` and never billed.
- Empty epochs are not committed: a pass that bills nothing stores the priced events'
  statuses and tallies, and no settlement.

Epochs: an event belongs to the epoch of its server receive time, and a pass settles
the epochs that have closed. Normally that is one epoch per pass. Events that reach the
database after their epoch was committed (an ingest transaction still open when the
epoch closed), events re-opened by a failed or discarded commit, and a backlog after an
outage are settled together under the newest closed epoch, because the contract wants
every commit's epoch above the last; one commit for a backlog rather than one per epoch
also costs less gas. A campaign whose previous commit is still on its way is skipped
until that one is final, so a commit is never built on figures that may yet fail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from backend.ads.pricing import Outcome, reserve_for
from backend.campaigns.terms import parse_terms_json
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import Campaign
from backend.chain.outbox import PENDING, OutboxTransaction
from backend.settlement.encoding.attestation import sign
from backend.settlement.onchain.writes import SettlementChain
from backend.settlement.cosigning.commit import queue_commit
from backend.settlement.cosigning.signers import Signers, awaiting_settlement, collect
from backend.settlement.epochs.pricing import build_epoch
from backend.settlement.epochs.reconcile import reconcile_campaign, settlement_window_closed
from backend.settlement.epochs.store import (
    live_settlements,
    lock_campaign,
    load_accepted,
    load_tallies,
    mark_priced,
    newest_epoch,
    save_tallies,
    store_settlement,
)
from indexer.models import Campaign as ChainCampaign

log = logging.getLogger(__name__)



class Skipped(StrEnum):
    UNKNOWN_CAMPAIGN = "unknown_campaign"  # no anchored campaign with this id, or not mirrored yet
    NO_EVENTS = "no_events"
    EPOCH_OPEN = "epoch_not_closed"  # only events whose epoch the contract already has, and no newer closed epoch
    COMMIT_IN_FLIGHT = "commit_in_flight"
    CHALLENGE_OPEN = "challenge_open"  # corrected figures wait for the auditor
    PAUSED = "campaign_paused"
    CLOSED = "settlement_closed"  # refunded, or past end time + settlement grace
    ESCROW_PAUSED = "escrow_paused"
    AWAITING_ATTESTATIONS = "awaiting_attestations"  # a co-signed epoch waits for its other attesters
    CONCURRENT_PASS = "concurrent_pass"  # another pass settled these events first; this one rolled back


@dataclass(frozen=True)
class SettleResult:
    campaign_id: int
    skipped: Skipped | None = None
    epoch: int | None = None
    settlement_id: int | None = None
    priced: int = 0
    billed: int = 0
    billed_amount: int = 0
    over_budget: int = 0
    awaiting: bool = False  # stored, but its commit waits for other attesters' signatures

    @property
    def committed(self) -> bool:
        return self.settlement_id is not None


def settle_campaign(
    session: Session,
    chain: SettlementChain,
    mirror: Mirror,
    campaign_id: int,
    *,
    now: int,
    epoch_seconds: int,
    reserve_bps: int = 0,
) -> SettleResult:
    """One pass for one campaign in the caller's transaction; the caller commits."""
    lock_campaign(session, campaign_id)
    escrow = chain.escrow
    reconcile_campaign(session, escrow, campaign_id, mirror_ready=mirror.ready)
    campaign = session.exec(
        select(Campaign).where(Campaign.escrow_address == escrow, Campaign.chain_campaign_id == campaign_id)
    ).first()
    on_chain = mirror.campaign(escrow, campaign_id)
    if campaign is None or on_chain is None:
        return SettleResult(campaign_id, Skipped.UNKNOWN_CAMPAIGN)
    skipped = _why_not(session, chain, mirror, on_chain)
    if skipped is not None:
        return SettleResult(campaign_id, skipped)

    current_epoch = now // epoch_seconds
    connection = session.connection()
    accepted = load_accepted(connection, campaign_id, current_epoch)
    if accepted is None:
        return SettleResult(campaign_id, Skipped.NO_EVENTS)
    epoch = max(accepted.newest_epoch, newest_epoch(session, escrow, campaign_id) + 1, on_chain.latest_epoch + 1)
    if epoch >= current_epoch:
        return SettleResult(campaign_id, Skipped.EPOCH_OPEN)

    live = live_settlements(session, escrow, campaign_id)
    tallies = load_tallies(connection, campaign_id)
    deposit = on_chain.deposited
    built = build_epoch(
        campaign_id=campaign_id,
        epoch=epoch,
        revision=on_chain.revision,
        terms=parse_terms_json(campaign.terms_json),
        events=accepted.billable,
        event_hashes=accepted.event_hashes,
        tallies=tallies,
        cumulative_spent=live[-1].cumulative_spent if live else 0,
        deposit=deposit,
        reserve=reserve_for(deposit, reserve_bps),
    )
    mark_priced(connection, built.pricing.events)
    save_tallies(connection, campaign_id, tallies, built.pricing.tallies)
    over_budget = sum(1 for e in built.pricing.events if e.outcome is Outcome.OVER_BUDGET)
    counts = dict(priced=len(built.pricing.events), over_budget=over_budget)
    if not built.committable:
        return SettleResult(campaign_id, epoch=epoch, **counts)

    attestation = built.attestation()
    signers = Signers.of(on_chain)
    platform = chain.attester.address
    signatures = {}
    if signers.named(platform):
        signatures[platform] = sign(attestation, chain.attester.key, chain.chain_id, escrow)
    settlement = store_settlement(session, escrow=escrow, built=built, signatures=[])
    awaiting = not signers.complete(signatures)
    if awaiting:
        collect(session, chain, settlement, signers, signatures)  # keeps the platform's; the others' complete it
    else:
        queue_commit(session, chain, settlement, signatures)
    log.info(
        "campaign %s epoch %s: %s billed (%s base units), cumulative %s%s",
        campaign_id, epoch, built.billed_count, built.billed_amount, attestation.cumulative_spent,
        ", awaiting attestations" if awaiting else "",
    )
    return SettleResult(
        campaign_id,
        epoch=epoch,
        settlement_id=settlement.id,
        billed=built.billed_count,
        billed_amount=built.billed_amount,
        awaiting=awaiting,
        **counts,
    )


def commit_refused(mirror: Mirror, escrow: str, on_chain: ChainCampaign) -> Skipped | None:
    """Why commitSettlement would revert now, as far as the mirror knows (also asked before a
    co-signer's signature is kept, so a completed set is not queued only to revert)."""
    escrow_row = mirror.escrow(escrow)
    if escrow_row is not None and escrow_row.paused:
        return Skipped.ESCROW_PAUSED
    chain_time = mirror.chain_time() or 0
    if settlement_window_closed(on_chain, chain_time):
        return Skipped.CLOSED
    if on_chain.paused and chain_time < on_chain.end_time:
        return Skipped.PAUSED
    return None


def _why_not(session: Session, chain: SettlementChain, mirror: Mirror, on_chain: ChainCampaign) -> Skipped | None:
    """Why commitSettlement would revert or should wait now, as far as the mirror knows."""
    refused = commit_refused(mirror, chain.escrow, on_chain)
    if refused is not None:
        return refused
    if on_chain.open_challenge is not None:
        return Skipped.CHALLENGE_OPEN
    if awaiting_settlement(session, chain.escrow, on_chain.campaign_id) is not None:
        return Skipped.AWAITING_ATTESTATIONS
    in_flight = [s.outbox_id for s in live_settlements(session, chain.escrow, on_chain.campaign_id) if s.outbox_id]
    if in_flight and session.exec(
        select(OutboxTransaction.id).where(
            col(OutboxTransaction.id).in_(in_flight), col(OutboxTransaction.status).in_(PENDING)
        )
    ).first() is not None:
        return Skipped.COMMIT_IN_FLIGHT
    return None
