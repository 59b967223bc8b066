"""Campaign rows made straight in the database (authorization matrix, views without a chain)."""

from __future__ import annotations

from sqlmodel import Session

from backend.campaigns.terms import canonical_json
from backend.campaigns.models import Campaign
from backend.content import cid_for
from backend.identity.models import Participant

TERMS = {"version": 1, "pricing": {"cpm": 2_000_000, "cpc": 50_000}}
PLACEHOLDER_ESCROW = "0x00000000000000000000000000000000000000E5"
PLACEHOLDER_TOKEN = "0x00000000000000000000000000000000000000C1"


def pending_campaign(session: Session, owner: Participant) -> str:
    """A campaign of `owner` whose createCampaign was never sent; returns its id."""
    canonical = canonical_json(TERMS)
    campaign = Campaign(
        name="matrix campaign",
        advertiser_id=owner.id,
        advertiser_address=owner.chain_address or PLACEHOLDER_ESCROW,
        chain_id=31337,
        escrow_address=PLACEHOLDER_ESCROW,
        token_symbol="tUSD",
        token_address=PLACEHOLDER_TOKEN,
        budget=1_000_000,
        terms_json=canonical.decode(),
        terms_cid=cid_for(canonical),
        terms_hash="0x" + "00" * 32,
        attesters=[PLACEHOLDER_ESCROW],
        threshold=1,
        challenge_window=3600,
        end_time=2_000_000_000,
    )
    session.add(campaign)
    session.flush()
    return str(campaign.id)
