"""Tables of the ad pipeline: accepted batches, events, per-publisher pricing tallies, and the
keys publishers sign their batches with.

Writes to ``ad_events`` go through ``ingest_store`` (multi-row inserts / COPY), not
ORM objects; these classes define the schema and serve reads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field

from backend.ads.pricing import Outcome, PublisherTally
from backend.db.base import BackendModel

# SQLite assigns ids only to an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class EventStatus(StrEnum):
    ACCEPTED = "accepted"  # passed the filters, not priced yet
    FILTERED = "filtered"  # invalid traffic, kept but never billed; ``reason`` says why
    BILLED = "billed"
    OVER_BUDGET = "over_budget"
    UNBILLED = "unbilled"  # priced at nothing: capped, kind not priced, not attributed; ``reason`` says which


def status_for(outcome: Outcome) -> tuple[EventStatus, str | None]:
    if outcome is Outcome.BILLED:
        return EventStatus.BILLED, None
    if outcome is Outcome.OVER_BUDGET:
        return EventStatus.OVER_BUDGET, None
    return EventStatus.UNBILLED, outcome.value


class AdBatch(BackendModel, table=True):
    __tablename__ = "ad_batches"
    __table_args__ = (UniqueConstraint("publisher", "body_sha256", name="uq_ad_batches_publisher_body"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    publisher: str = Field(max_length=42, description="checksum address")
    body_sha256: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    received_at: int = Field(sa_type=BigInteger)
    event_count: int
    accepted_count: int
    filtered_count: int
    duplicate_count: int
    rejected_count: int


class AdEvent(BackendModel, table=True):
    __tablename__ = "ad_events"
    __table_args__ = (
        UniqueConstraint("publisher", "client_event_id", name="uq_ad_events_publisher_event"),
        Index("ix_ad_events_campaign_status_epoch", "campaign_id", "status", "epoch"),
        Index("ix_ad_events_publisher_click", "publisher", "click_id"),
        Index("ix_ad_events_received_at", "received_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    batch_id: int = Field(sa_column=Column(BigInteger, ForeignKey("ad_batches.id"), nullable=False))
    publisher: str = Field(max_length=42, description="checksum address")
    client_event_id: str = Field(max_length=64)
    campaign_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=16)
    occurred_at: int = Field(sa_type=BigInteger, description="client timestamp, unix seconds")
    received_at: int = Field(sa_type=BigInteger, description="server receive time, unix seconds")
    epoch: int = Field(sa_type=BigInteger, description="floor(received_at / epoch length)")
    impression_id: str | None = Field(default=None, max_length=64)
    click_id: str | None = Field(default=None, max_length=128)
    click_at: int | None = Field(
        default=None, sa_type=BigInteger, description="conversions: when the attributed click happened"
    )
    ip_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary(32), nullable=True))
    device_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary(32), nullable=True))
    event_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=40)
    price: int | None = Field(default=None, sa_type=BigInteger, description="base units, set when priced")


class AdPublisherTally(BackendModel, table=True):
    """``pricing.PublisherTally`` persisted per (campaign, publisher)."""

    __tablename__ = "ad_publisher_tallies"

    campaign_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    publisher: str = Field(primary_key=True, max_length=42)
    impressions: int = Field(default=0, sa_type=BigInteger)
    clicks: int = Field(default=0, sa_type=BigInteger)
    conversions: int = Field(default=0, sa_type=BigInteger)
    earned: int = Field(default=0, sa_type=BigInteger)
    bonus_paid: bool = False
    day: int = Field(default=-1, sa_type=BigInteger)
    day_amount: int = Field(default=0, sa_type=BigInteger)
    day_impressions: int = Field(default=0, sa_type=BigInteger)
    day_clicks: int = Field(default=0, sa_type=BigInteger)
    day_conversions: int = Field(default=0, sa_type=BigInteger)
    day_closed: bool = False

    def to_tally(self) -> PublisherTally:
        return PublisherTally(**{name: getattr(self, name) for name in PublisherTally.__dataclass_fields__})

    def apply(self, tally: PublisherTally) -> None:
        for name in PublisherTally.__dataclass_fields__:
            setattr(self, name, getattr(tally, name))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AdPublisherKey(BackendModel, table=True):
    """A key a publisher registered to sign event batches (``signatures.PublisherKey``).

    Revoked keys stay, so a revoked key cannot be registered again and the history of
    which key could sign when is kept. A non-custodial publisher's wallet address also
    signs, without a row here (``publisher_keys``).
    """

    __tablename__ = "ad_publisher_keys"
    __table_args__ = (
        UniqueConstraint("participant_id", "algorithm", "public_key", name="uq_ad_publisher_keys_key"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    algorithm: str = Field(max_length=16, description="signatures.KeyType: ed25519 | secp256k1")
    public_key: bytes = Field(
        sa_column=Column(LargeBinary(32), nullable=False),
        description="32-byte Ed25519 public key, or the 20-byte Ethereum address of a secp256k1 key",
    )
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=_utcnow)
    revoked_at: datetime | None = Field(default=None)
