"""Tables of settlement: what each committed epoch holds, so it can be proven, paid and undone.

::

    settlements            one committed epoch of a campaign: roots, cumulative spend, the
    │                      attesters' signatures, the outbox row of commitSettlement
    ├── settlement_events  every event priced into it (billed or not): undone with it
    ├── settlement_signatures  signatures collected while a co-signed epoch awaits its
    │                      attesters (``backend.settlement.cosigning.signers``)
    ├── settlement_leaves  the sorted eventsRoot leaf hashes, from which any proof is rebuilt
    └── settlement_balances  per publisher: cumulative earnings (the balanceRoot leaves) and
                             the pricing tally after the epoch (restored when later epochs are undone)
    settlement_corrections  events an auditor found invalid when upholding a challenge; they are
                            filtered when the discarded epochs are settled again

Campaigns are CampaignEscrow's ids (``ad_events.campaign_id``) within one escrow. A row of
``settlements`` is written in the same transaction as its outbox row and the priced
events, and ``(escrow, campaign, epoch)`` is unique: an epoch can never be committed twice.
Chain-side progress (committed, matured, superseded, discarded by a challenge) is read
from the indexer's mirror; ``status`` records only what settlement itself decided.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field

from backend.chain.outbox import Uint256
from backend.db.base import BackendModel

BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class SettlementStatus(StrEnum):
    LIVE = "live"  # queued, sent or on chain; its events stay billed
    DISCARDED = "discarded"  # an upheld or expired challenge voided it on chain; its events were re-opened
    FAILED = "failed"  # commitSettlement reverted or could not be sent; its events were re-opened


class Settlement(BackendModel, table=True):
    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("escrow_address", "campaign_id", "epoch", name="uq_settlements_campaign_epoch"),
        Index("ix_settlements_campaign_status", "escrow_address", "campaign_id", "status"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    escrow_address: str = Field(max_length=42)
    campaign_id: int = Field(sa_type=BigInteger, description="CampaignEscrow's campaign id")
    epoch: int = Field(sa_type=BigInteger)
    events_root: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    balance_root: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    cumulative_spent: int = Field(sa_type=Uint256, description="base units, after this epoch")
    billed_amount: int = Field(sa_type=Uint256, description="base units billed in this epoch")
    event_count: int = Field(description="billed events in eventsRoot")
    revision: int = Field(
        sa_type=BigInteger,
        description="the campaign revision its figures build on, signed with them: the commit reverts once a "
        "challenge has moved the campaign to a later revision",
    )
    priced_count: int = Field(description="events priced in this epoch, billed or not")
    signatures: bytes = Field(
        sa_column=Column(LargeBinary, nullable=False), repr=False,
        description="the 65-byte signatures sent with commitSettlement; empty while awaiting attestations",
    )
    outbox_id: int | None = Field(
        default=None, description="the commitSettlement row; None while a live settlement awaits attestations"
    )
    status: SettlementStatus = Field(default=SettlementStatus.LIVE, sa_type=String(16))
    status_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None, description="when it was discarded or failed")


class SettlementEvent(BackendModel, table=True):
    __tablename__ = "settlement_events"
    __table_args__ = (Index("ix_settlement_events_event", "event_id"),)

    settlement_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("settlements.id"), primary_key=True, autoincrement=False)
    )
    event_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    billed: bool


class SettlementLeaves(BackendModel, table=True):
    __tablename__ = "settlement_leaves"

    settlement_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("settlements.id"), primary_key=True, autoincrement=False)
    )
    leaf_hashes: bytes = Field(sa_column=Column(LargeBinary, nullable=False), repr=False)


class SettlementSignature(BackendModel, table=True):
    """One attester's signature over a co-signed settlement's figures; one per signer."""

    __tablename__ = "settlement_signatures"

    settlement_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("settlements.id"), primary_key=True, autoincrement=False)
    )
    signer: str = Field(primary_key=True, max_length=42, description="checksummed address it recovers to")
    signature: bytes = Field(sa_column=Column(LargeBinary(65), nullable=False), repr=False)
    as_verifier: bool = Field(description="signed as the campaign's verifier, not as one of its attesters")
    submitted_by: uuid.UUID | None = Field(
        default=None, foreign_key="participant.id", description="None: the platform's attester, at settle time"
    )
    custodial: bool = Field(default=False, description="signed by the platform with the attester's custodial key")
    created_at: datetime = Field(default_factory=utcnow)


class SettlementBalance(BackendModel, table=True):
    __tablename__ = "settlement_balances"

    settlement_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("settlements.id"), primary_key=True, autoincrement=False)
    )
    publisher: str = Field(primary_key=True, max_length=42)
    cumulative_earned: int = Field(sa_type=Uint256)
    in_root: bool = Field(description="has a balanceRoot leaf (billed at least one event so far)")
    tally: str = Field(sa_type=Text, description="pricing.PublisherTally after the epoch, as JSON")


class SettlementCorrection(BackendModel, table=True):
    __tablename__ = "settlement_corrections"
    __table_args__ = (Index("ix_settlement_corrections_campaign", "escrow_address", "campaign_id", "applied"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    escrow_address: str = Field(max_length=42)
    campaign_id: int = Field(sa_type=BigInteger)
    challenge_epoch: int = Field(sa_type=BigInteger)
    event_id: int = Field(sa_type=BigInteger)
    requested_by: uuid.UUID = Field(foreign_key="participant.id")
    applied: bool = False
    created_at: datetime = Field(default_factory=utcnow)
