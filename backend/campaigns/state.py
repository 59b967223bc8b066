"""What the ad pipeline needs of a campaign, by the id ad events carry (the on-chain id)."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.campaigns.phase import CampaignState
from backend.campaigns.terms import CampaignTerms, parse_terms_json
from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign
from backend.campaigns.status import campaign_status, phase_of


def campaign_by_chain_id(session: Session, escrow: str, chain_campaign_id: int) -> Campaign | None:
    return session.exec(
        select(Campaign).where(
            Campaign.escrow_address == escrow,
            Campaign.chain_campaign_id == chain_campaign_id,
            Campaign.anchoring == AnchorStatus.ANCHORED,
        )
    ).first()


def campaign_terms(campaign: Campaign) -> CampaignTerms:
    """The terms document as validated at creation (its sha2-256 is the termsHash on chain)."""
    return parse_terms_json(campaign.terms_json)


def campaign_state(mirror: Mirror, campaign: Campaign, *, reserve: int = 0) -> CampaignState | None:
    """Phase, deposit and spend from the mirror, with the terms; None while the campaign is not on chain."""
    chain = mirror.campaign(campaign.escrow_address, campaign.chain_campaign_id)
    phase = phase_of(campaign_status(campaign, chain, mirror.chain_time()))
    if chain is None or phase is None or campaign.chain_campaign_id is None:
        return None
    return CampaignState(
        campaign_id=campaign.chain_campaign_id,
        phase=phase,
        deposit=chain.deposited,
        spent=chain.cumulative_spent,
        terms=campaign_terms(campaign),
        reserve=reserve,
    )
