"""Undo settled epochs the chain will never pay: commits that failed, roots a challenge discarded.

Both settle and the keeper run this first for a campaign, in their transaction:
1. find the live settlements whose commit reverted or failed in the outbox, and those the
   mirror shows as discarded (an upheld or expired challenge voids every unmatured root);
2. undo the earliest of them and every live settlement after it (later epochs priced on
   top of its tallies): their events go back to ``accepted``, the publishers' tallies
   back to the snapshot of the last settlement kept, and their rows become ``failed`` or
   ``discarded``;
3. after a discard, filter the events the auditor named when upholding the challenge, so
   the next settle pass commits corrected figures under a new epoch.
A settlement still awaiting co-signers when the campaign's settlement window closes
(closed, or past ``endTime + settlementGrace``) can never be committed either: the keeper
passes ``window_closed`` and it is undone as ``failed``.
The chain's cumulative spend was rewound to the matured root's, which is the last
settlement kept here, so the next commit's spend continues from the same figure.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.settlement.models import Settlement, SettlementCorrection, SettlementStatus, utcnow
from backend.settlement.epochs.store import (
    filter_events,
    live_settlements,
    priced_event_ids,
    reopen_events,
    replace_tallies,
    tallies_of,
)
from indexer.models import Campaign as ChainCampaign
from indexer.models import Settlement as ChainSettlement

DISPUTED = "disputed"  # reason code of events an auditor found invalid
_DEAD_OUTBOX = (OutboxStatus.REVERTED, OutboxStatus.FAILED)


def settlement_window_closed(on_chain: ChainCampaign, chain_time: int) -> bool:
    """CampaignEscrow accepts no more commits for this campaign (closed, or past endTime + grace)."""
    return on_chain.closed or chain_time > on_chain.end_time + on_chain.settlement_grace


UNATTESTED_AT_CLOSE = "the campaign's settlement window closed before its attestations were complete"


def reconcile_campaign(
    session: Session, escrow: str, campaign_id: int, *, mirror_ready: bool, window_closed: bool = False
) -> list[Settlement]:
    """Undo what the chain will not pay; returns the settlements undone (oldest first)."""
    live = live_settlements(session, escrow, campaign_id)
    if not live:
        return []
    verdicts = _verdicts(session, escrow, campaign_id, live, mirror_ready)
    if window_closed:
        for settlement in live:
            if settlement.outbox_id is None and settlement.id not in verdicts:  # awaiting attestations
                verdicts[settlement.id] = (SettlementStatus.FAILED, UNATTESTED_AT_CLOSE)
    if not verdicts:
        return []
    first = min(s.epoch for s in live if s.id in verdicts)
    undone = [s for s in live if s.epoch >= first]
    kept = [s for s in live if s.epoch < first]
    for settlement in undone:
        status, reason = verdicts.get(settlement.id, (SettlementStatus.DISCARDED, "priced on an undone epoch"))
        settlement.status, settlement.status_reason, settlement.closed_at = status, reason, utcnow()
        session.add(settlement)
    connection = session.connection()
    reopen_events(connection, priced_event_ids(session, [s.id for s in undone]))
    replace_tallies(connection, campaign_id, tallies_of(session, kept[-1].id) if kept else {})
    if any(status is SettlementStatus.DISCARDED for status, _ in verdicts.values()):
        _apply_corrections(session, escrow, campaign_id)
    session.flush()
    return undone


def _verdicts(
    session: Session, escrow: str, campaign_id: int, live: Sequence[Settlement], mirror_ready: bool
) -> dict[int, tuple[SettlementStatus, str]]:
    verdicts: dict[int, tuple[SettlementStatus, str]] = {}
    outbox_ids = [s.outbox_id for s in live if s.outbox_id is not None]
    dead = {
        row.id: row
        for row in session.exec(
            select(OutboxTransaction).where(
                col(OutboxTransaction.id).in_(outbox_ids), col(OutboxTransaction.status).in_(_DEAD_OUTBOX)
            )
        )
    } if outbox_ids else {}
    for settlement in live:
        row = dead.get(settlement.outbox_id)
        if row is not None:
            reason = f"commitSettlement {row.status}: {row.error or ''}".strip()
            verdicts[settlement.id] = (SettlementStatus.FAILED, reason)
    if mirror_ready:
        discarded = set(
            session.exec(
                select(ChainSettlement.epoch).where(
                    ChainSettlement.contract == escrow,
                    ChainSettlement.campaign_id == campaign_id,
                    ChainSettlement.status == "discarded",
                    col(ChainSettlement.epoch).in_([s.epoch for s in live]),
                )
            ).all()
        )
        for settlement in live:
            if settlement.epoch in discarded:
                verdicts[settlement.id] = (SettlementStatus.DISCARDED, "a challenge was upheld or expired")
    return verdicts


def _apply_corrections(session: Session, escrow: str, campaign_id: int) -> None:
    corrections = list(
        session.exec(
            select(SettlementCorrection).where(
                SettlementCorrection.escrow_address == escrow,
                SettlementCorrection.campaign_id == campaign_id,
                col(SettlementCorrection.applied).is_(False),
            )
        )
    )
    if not corrections:
        return
    filter_events(session.connection(), sorted({c.event_id for c in corrections}), DISPUTED)
    for correction in corrections:
        correction.applied = True
        session.add(correction)
