"""A campaign as the API shows it: the local record, the chain's state from the mirror, and the
transactions still on their way.

Status, from the first that applies::

    failed    the createCampaign transaction reverted or could not be sent
    pending   createCampaign is not in the mirror yet (or the mirror is not running)
    closed    refunded: no money moves again
    ended     the chain's clock passed the end time (endCampaign or the time set at creation)
    paused    the advertiser paused it: no settlement until unpaused or ended
    unfunded  nothing deposited yet
    active

A transaction is pending from the moment its outbox row exists until the mirror holds
its block (mined and indexed); a reverted or failed one is reported with its reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from backend.campaigns.phase import CampaignPhase
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from indexer.models import Campaign as ChainCampaign


class CampaignStatus(StrEnum):
    FAILED = "failed"
    PENDING = "pending"
    CLOSED = "closed"
    ENDED = "ended"
    PAUSED = "paused"
    UNFUNDED = "unfunded"
    ACTIVE = "active"


_PHASES = {
    CampaignStatus.CLOSED: CampaignPhase.ENDED,
    CampaignStatus.ENDED: CampaignPhase.ENDED,
    CampaignStatus.PAUSED: CampaignPhase.PAUSED,
    CampaignStatus.UNFUNDED: CampaignPhase.UNFUNDED,
    CampaignStatus.ACTIVE: CampaignPhase.ACTIVE,
}
FAILED_TX = (OutboxStatus.REVERTED, OutboxStatus.FAILED)


def campaign_status(campaign: Campaign, chain: ChainCampaign | None, chain_time: int | None) -> CampaignStatus:
    if campaign.anchoring == AnchorStatus.FAILED:
        return CampaignStatus.FAILED
    if chain is None:
        return CampaignStatus.PENDING
    if chain.closed:
        return CampaignStatus.CLOSED
    if chain_time is not None and chain_time >= chain.end_time:
        return CampaignStatus.ENDED
    if chain.paused:
        return CampaignStatus.PAUSED
    if chain.deposited == 0:
        return CampaignStatus.UNFUNDED
    return CampaignStatus.ACTIVE


def phase_of(status: CampaignStatus) -> CampaignPhase | None:
    """The ad filters' view (backend.campaigns.phase); None: no campaign on chain to serve."""
    return _PHASES.get(status)


@dataclass(frozen=True)
class TrackedTransaction:
    action_id: uuid.UUID
    action: str
    outbox_id: int
    kind: str
    status: str
    tx_hash: str | None
    block_number: int | None
    error: str | None
    amount: int | None  # of the fund action it belongs to


def tracked_transactions(session: Session, campaigns: list[Campaign]) -> dict[uuid.UUID, list[TrackedTransaction]]:
    """Every outbox row of the campaigns' actions, by campaign id, in sending order."""
    ids = [campaign.id for campaign in campaigns]
    if not ids:
        return {}
    actions = list(
        session.exec(
            select(CampaignAction).where(col(CampaignAction.campaign_id).in_(ids)).order_by(CampaignAction.created_at)
        )
    )
    outbox_ids = [outbox_id for action in actions for outbox_id in action.outbox_ids]
    rows = {}
    if outbox_ids:
        rows = {
            row.id: row
            for row in session.exec(select(OutboxTransaction).where(col(OutboxTransaction.id).in_(outbox_ids)))
        }
    result: dict[uuid.UUID, list[TrackedTransaction]] = {campaign_id: [] for campaign_id in ids}
    for action in actions:
        for outbox_id in action.outbox_ids:
            row = rows.get(outbox_id)
            if row is None:
                continue
            result[action.campaign_id].append(
                TrackedTransaction(
                    action_id=action.id,
                    action=action.kind,
                    outbox_id=row.id,
                    kind=row.kind,
                    status=row.status,
                    tx_hash=row.tx_hash,
                    block_number=row.block_number,
                    error=row.error,
                    amount=action.amount,
                )
            )
    return result


def is_pending(transaction: TrackedTransaction, checkpoint_block: int | None) -> bool:
    """Not failed, and not yet in a block the mirror holds."""
    if transaction.status in FAILED_TX:
        return False
    if transaction.status != OutboxStatus.MINED:
        return True
    return checkpoint_block is None or transaction.block_number > checkpoint_block


def pending_of(transactions: list[TrackedTransaction], mirror: Mirror) -> list[TrackedTransaction]:
    return pending_at(transactions, mirror.checkpoint_block())


def pending_at(transactions: list[TrackedTransaction], checkpoint_block: int | None) -> list[TrackedTransaction]:
    """`pending_of` with the mirror's checkpoint read once by the caller (a list of campaigns)."""
    return [transaction for transaction in transactions if is_pending(transaction, checkpoint_block)]


def failed_of(transactions: list[TrackedTransaction]) -> list[TrackedTransaction]:
    return [transaction for transaction in transactions if transaction.status in FAILED_TX]


def pending_deposit(transactions: list[TrackedTransaction], mirror: Mirror) -> int:
    """Base units on their way into the escrow: fund actions whose fund call is not mirrored yet."""
    return sum(
        transaction.amount or 0
        for transaction in pending_of(transactions, mirror)
        if transaction.kind in ("CampaignEscrow.fund", "CampaignEscrow.fundWithPermit")
    )
