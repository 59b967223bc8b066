"""Learn a campaign's on-chain id: the CampaignCreated log of its createCampaign transaction.

The id is the escrow's counter at mining time, so it is read, never predicted. A
campaign stays pending until its transaction is mined and the mirror holds the log;
it fails when the transaction reverted or could not be sent. Reads call ``refresh``
so a status is never older than the mirror; the settlement side can call
``anchor_pending`` on its own schedule.
"""

from __future__ import annotations

from sqlmodel import Session, select

from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction, CampaignActionKind, utcnow
from backend.chain.outbox import OutboxStatus, OutboxTransaction


def refresh(session: Session, mirror: Mirror, campaigns: list[Campaign]) -> bool:
    """Anchor (or fail) the pending ones among `campaigns`; True when any row changed (caller commits)."""
    changed = False
    for campaign in campaigns:
        if campaign.anchoring == AnchorStatus.PENDING:
            changed |= _refresh_one(session, mirror, campaign)
    if changed:
        session.flush()
    return changed


def anchor_pending(session: Session, mirror: Mirror) -> int:
    """Refresh every pending campaign; returns how many changed. The caller commits."""
    pending = list(session.exec(select(Campaign).where(Campaign.anchoring == AnchorStatus.PENDING)))
    return sum(_refresh_one(session, mirror, campaign) for campaign in pending)


def _refresh_one(session: Session, mirror: Mirror, campaign: Campaign) -> bool:
    create = session.exec(
        select(CampaignAction).where(
            CampaignAction.campaign_id == campaign.id, CampaignAction.kind == CampaignActionKind.CREATE
        )
    ).first()
    if create is None or not create.outbox_ids:
        return False
    row = session.get(OutboxTransaction, create.outbox_ids[-1])
    if row is None:
        return False
    if row.status in (OutboxStatus.REVERTED, OutboxStatus.FAILED):
        campaign.anchoring = AnchorStatus.FAILED
        campaign.anchor_error = row.error or f"createCampaign {row.status}"
        session.add(campaign)
        return True
    if row.status != OutboxStatus.MINED or row.tx_hash is None:
        return False
    chain_campaign_id = mirror.created_campaign_id(campaign.escrow_address, row.tx_hash)
    if chain_campaign_id is None:
        return False
    campaign.chain_campaign_id = chain_campaign_id
    campaign.anchoring = AnchorStatus.ANCHORED
    campaign.anchored_at = utcnow()
    session.add(campaign)
    return True
