"""Shapes of the ad ingestion API: event batch answers, signing keys, traffic reports."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from backend.ads.signatures import KeyType


class BatchCounts(BaseModel):
    events: int = Field(description="events in the body")
    accepted: int = Field(description="stored and billable (settlement prices them)")
    filtered: int = Field(description="stored as invalid traffic, never billed")
    duplicates: int = Field(description="event ids already stored for this publisher, or repeated in the batch")
    rejected: int = Field(description="invalid events, not stored")


class FilteredEvent(BaseModel):
    event_id: str
    reason: str = Field(description="a backend.ads.filters.FilterReason code")


class RejectedEvent(BaseModel):
    index: int = Field(description="position in the body's events array")
    event_id: str | None
    reasons: list[str]


class EventBatchAccepted(BaseModel):
    """The 202 answer: the batch is committed. Events not listed in filtered, duplicates or rejected were accepted."""

    batch_id: int
    publisher: str
    received_at: int = Field(description="server receive time, unix seconds; every event's epoch comes from it")
    epoch: int
    counts: BatchCounts
    filtered: list[FilteredEvent]
    duplicates: list[str]
    rejected: list[RejectedEvent]


class SigningKeyCreate(BaseModel):
    algorithm: KeyType
    key: str = Field(
        description="ed25519: the 32-byte public key in hex; secp256k1: the key's 0x-prefixed Ethereum address",
        max_length=66,
    )
    label: str | None = Field(None, max_length=100)


class SigningKeyPublic(BaseModel):
    id: uuid.UUID | None = Field(description="null for the wallet key, which cannot be revoked here")
    algorithm: KeyType
    key: str
    label: str | None
    wallet: bool = Field(description="a non-custodial publisher's own wallet address, which signs without registering")
    created_at: datetime | None
    revoked_at: datetime | None


class TrafficCounts(BaseModel):
    """Events of one (campaign, publisher), one kind or all; amounts in the campaign token's base units."""

    accepted: int = Field(0, description="passed the filters (later billed, over budget or unbilled by settlement)")
    filtered: int = 0
    filtered_by_reason: dict[str, int] = Field(default_factory=dict)
    billed: int = 0
    billed_amount: int = Field(0, description="the price of the billed events: spent")
    over_budget: int = 0
    unbilled: int = Field(0, description="priced at nothing: capped, kind not priced, not attributed")
    unbilled_by_reason: dict[str, int] = Field(default_factory=dict)


class TrafficLine(BaseModel):
    campaign_id: int = Field(description="CampaignEscrow's id, the one events carry")
    publisher: str
    total: TrafficCounts
    impressions: TrafficCounts
    clicks: TrafficCounts
    conversions: TrafficCounts


class CampaignTraffic(BaseModel):
    campaign_id: uuid.UUID
    chain_campaign_id: int | None
    total: TrafficCounts
    publishers: list[TrafficLine]


class BatchTotals(BaseModel):
    batches: int
    events: int
    accepted: int
    filtered: int
    duplicates: int
    rejected: int


class PublisherTraffic(BaseModel):
    participant_id: uuid.UUID
    publisher: str | None
    batches: BatchTotals
    total: TrafficCounts
    campaigns: list[TrafficLine]
