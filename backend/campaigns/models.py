"""Tables of ad campaigns: the API's record of each campaign and the chain actions asked of it.

::

    campaigns (one advertiser's campaign: token, budget, terms document, attesters, windows)
    └── campaign_actions (create, fund, pause, unpause, end, refund: who asked, the amount,
                          the outbox rows that carry it)

The chain is the authority on money and lifecycle (deposit, spend, paused, end time,
refunded): those are read from the indexer's mirror of CampaignEscrow, never stored
here. A campaign row knows its on-chain id once the mirror has its CampaignCreated
(``anchoring`` moves from pending to anchored); every outbox row of a campaign has the
reference ``campaign:<id>``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from backend.chain.outbox import Uint256
from backend.db.base import BackendModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class AnchorStatus(StrEnum):
    PENDING = "pending"  # createCampaign queued (or awaiting the advertiser's signed transaction); not mirrored yet
    ANCHORED = "anchored"  # CampaignCreated is in the mirror; chain_campaign_id is set
    FAILED = "failed"  # the createCampaign transaction reverted or could not be sent; anchor_error says why


class CampaignActionKind(StrEnum):
    CREATE = "create"
    FUND = "fund"  # first funding and every top-up
    PAUSE = "pause"
    UNPAUSE = "unpause"
    END = "end"
    REFUND = "refund"


class Campaign(BackendModel, table=True):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("escrow_address", "chain_campaign_id", name="uq_campaigns_escrow_chain_id"),
        Index("ix_campaigns_anchoring", "anchoring"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    advertiser_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    # The account that sends createCampaign, fund, pause, ... (the advertiser's chain address then).
    advertiser_address: str = Field(max_length=42)
    chain_id: int = Field(sa_type=BigInteger)
    escrow_address: str = Field(max_length=42)
    # CampaignEscrow's id, known once the mirror holds CampaignCreated; ad events carry it.
    chain_campaign_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    anchoring: AnchorStatus = Field(default=AnchorStatus.PENDING, sa_type=String(16))
    anchor_error: str | None = Field(default=None, sa_type=Text)
    token_symbol: str = Field(max_length=16)
    token_address: str = Field(max_length=42)
    # What the advertiser means to spend, in base units; grows with top-ups past it. The deposit is on chain.
    budget: int = Field(default=0, sa_type=Uint256)
    # The terms document: canonical JSON bytes (as text), its CID in the content store, and the
    # sha2-256 digest inside that CID, which is the termsHash anchored by createCampaign.
    terms_json: str = Field(sa_type=Text)
    terms_cid: str = Field(max_length=100)
    terms_hash: str = Field(max_length=66)
    attesters: list[str] = Field(default_factory=list, sa_type=JSON)
    threshold: int
    verifier: str | None = Field(default=None, max_length=42)
    challenge_window: int = Field(description="seconds")
    # As asked at creation (unix seconds); endCampaign moves it on chain, where the mirror has the live value.
    end_time: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    anchored_at: datetime | None = Field(default=None)

    @property
    def reference(self) -> str:
        """The outbox reference of every transaction of this campaign."""
        return f"campaign:{self.id}"


class CampaignAction(BackendModel, table=True):
    __tablename__ = "campaign_actions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    kind: CampaignActionKind = Field(sa_type=String(16))
    amount: int | None = Field(default=None, sa_type=Uint256, description="fund: base units added to the deposit")
    requested_by: uuid.UUID = Field(foreign_key="participant.id")
    # Ids of the outbox rows that carry the action, in sending order (custodial fund: approve, fund).
    outbox_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
