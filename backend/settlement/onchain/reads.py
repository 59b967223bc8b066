"""What the chain knows about settlement, read from the indexer's mirror, and what is on its way there.

The contract stores one hash per epoch; the mirror's settlement row carries the whole
``SettlementRecord`` (roots, spend, ``committed_at`` = its block's timestamp, the
revision then), which maturing, challenging and ``verifyEvent`` take as calldata.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.campaigns.mirror import Mirror
from backend.chain.outbox import PENDING, OutboxStatus, OutboxTransaction
from backend.settlement.encoding.record import SettlementRecord
from indexer.models import (
    Campaign as ChainCampaign,
    CampaignPublisher,
    Challenge as ChainChallenge,
    Settlement as ChainSettlement,
)

PUBLISHER_ROLE_BIT = 1 << 1  # IParticipantRegistry.Role.Publisher


def to_bytes32(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def chain_record(row: ChainSettlement) -> SettlementRecord:
    return SettlementRecord(
        events_root=to_bytes32(row.events_root),
        balance_root=to_bytes32(row.balance_root),
        cumulative_spent=row.cumulative_spent,
        committed_at=row.committed_at,
        revision=row.revision,
    )


def chain_settlements(session: Session, escrow: str, campaign_id: int) -> dict[int, ChainSettlement]:
    rows = session.exec(
        select(ChainSettlement).where(ChainSettlement.contract == escrow, ChainSettlement.campaign_id == campaign_id)
    )
    return {row.epoch: row for row in rows}


def matures_at(row: ChainSettlement, campaign: ChainCampaign) -> int:
    """When its challenge window closes: from the later of its commit and the last rejected challenge."""
    return max(row.committed_at, campaign.resumed_at) + campaign.challenge_window


def maturable_epoch(session: Session, campaign: ChainCampaign, chain_time: int) -> ChainSettlement | None:
    """The newest root of the current revision past its window and not matured yet (maturing it
    supersedes the older ones), or None."""
    rows = session.exec(
        select(ChainSettlement)
        .where(
            ChainSettlement.contract == campaign.contract,
            ChainSettlement.campaign_id == campaign.campaign_id,
            ChainSettlement.status == "committed",
            ChainSettlement.revision == campaign.revision,
            ChainSettlement.epoch > campaign.matured_epoch,
        )
        .order_by(col(ChainSettlement.epoch).desc())
    )
    for row in rows:
        if matures_at(row, campaign) <= chain_time:
            return row
    return None


def open_challenge(session: Session, campaign: ChainCampaign) -> ChainChallenge | None:
    if campaign.open_challenge is None:
        return None
    return session.get(ChainChallenge, (campaign.contract, campaign.campaign_id, campaign.open_challenge))


def settled_by(session: Session, escrow: str, campaign_id: int) -> dict[str, CampaignPublisher]:
    rows = session.exec(
        select(CampaignPublisher).where(
            CampaignPublisher.contract == escrow, CampaignPublisher.campaign_id == campaign_id
        )
    )
    return {row.publisher: row for row in rows}


def publisher_active(mirror: Mirror, registry: str, publisher: str, chain_time: int) -> bool:
    """``ParticipantRegistry.isActive(publisher, Publisher)`` as mirrored: payout reverts otherwise."""
    row = mirror.participant(registry, publisher)
    return bool(row and row.roles & PUBLISHER_ROLE_BIT and not row.suspended and row.kyc_expiry > chain_time)


def in_flight(session: Session, reference: str, checkpoint_block: int | None) -> bool:
    """A transaction with this reference is queued or sent, or mined in a block the mirror has not read yet."""
    rows = session.exec(
        select(OutboxTransaction.status, OutboxTransaction.block_number).where(
            OutboxTransaction.reference == reference,
            col(OutboxTransaction.status).in_([*PENDING, OutboxStatus.MINED]),
        )
    ).all()
    for status, block in rows:
        if status != OutboxStatus.MINED or checkpoint_block is None or block is None or block > checkpoint_block:
            return True
    return False
