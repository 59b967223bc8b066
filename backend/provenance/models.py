"""Tables of product provenance.

::

    brand_actor (a supply-chain actor a brand lets record its products' events)
    product (one GTIN of a brand)
    └── serial_batch (serials registered together, one Merkle root)
        └── product_item (one serialised item: claim code hash, claim time)
            ├── epcis_event_item ── epcis_event (hash, actor, anchor batch, block)
            │                           ├── epcis_event_epc (every EPC / class it names, canonical, by role)
            │                           └── anchor_batch (one root per actor and brand)
            ├── product_scan (keyed client id and country; no IP, no user agent)
            └── sun_tag (an NTAG 424 DNA tag on the item, its last counter)

    epcis_capture_job (one POST /epcis/capture: running, success, errors per event)

On-chain facts (anchored block, recalls) come from the indexer's mirror of
ProvenanceRegistry events; `anchor_batch.anchored_block` is filled from it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field

from backend.db.base import BackendModel

# 64-bit ids on PostgreSQL (a million items, millions of events); SQLite only
# autoincrements an INTEGER PRIMARY KEY, which is 64-bit there anyway.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class AnchorStatus(StrEnum):
    BUILT = "built"  # root, document and batch id fixed, events assigned; waiting for the actor's signature
    SUBMITTED = "submitted"  # signed; anchorEvents queued on the outbox (reference "anchor:<id>")
    ANCHORED = "anchored"  # the anchorEvents transaction was mined in block `anchored_block`
    FAILED = "failed"  # reverted, refused or expired unsigned; its events went back to pending


class Product(BackendModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    gtin: str = Field(max_length=14, unique=True, index=True)
    brand_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    name: str = Field(max_length=200)
    metadata_cid: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class SerialBatch(BackendModel, table=True):
    __tablename__ = "serial_batch"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="product.id", index=True)
    serials_root: str = Field(max_length=66)  # 0x-hex root over ProvenanceRegistry serial leaves
    serial_count: int
    chain_batch_id: int | None = Field(default=None)  # serialBatchId once registered on chain
    created_at: datetime = Field(default_factory=utcnow)


class ProductItem(BackendModel, table=True):
    __tablename__ = "product_item"
    __table_args__ = (UniqueConstraint("gtin", "serial", name="uq_product_item_gtin_serial"),)

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True))
    batch_id: uuid.UUID = Field(foreign_key="serial_batch.id", index=True)
    gtin: str = Field(max_length=14)
    serial: str = Field(max_length=20)
    claim_code_hash: str | None = Field(default=None, max_length=64)  # `claims.code_hash`
    claimed_at: datetime | None = Field(default=None)


class BrandActor(BackendModel, table=True):
    __tablename__ = "brand_actor"

    brand_id: uuid.UUID = Field(foreign_key="participant.id", primary_key=True)
    actor_id: uuid.UUID = Field(foreign_key="participant.id", primary_key=True)
    authorised_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)


class AnchorBatch(BackendModel, table=True):
    __tablename__ = "anchor_batch"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    actor_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    brand_id: uuid.UUID = Field(foreign_key="participant.id")
    events_root: str = Field(max_length=66)
    event_count: int
    nonce: int = Field(sa_type=BigInteger)
    chain_batch_id: str | None = Field(default=None, max_length=66, unique=True)  # EIP-712 digest, lower-case hex
    document_cid: str | None = Field(default=None, max_length=100)  # the batch's EPCISDocument in the content store
    deadline: int | None = Field(default=None, sa_type=BigInteger)  # unix seconds until which it may be relayed
    signature: str | None = Field(default=None, max_length=132)  # the actor's, 0x-hex, once signed
    status: AnchorStatus = Field(default=AnchorStatus.BUILT, sa_type=String(16), index=True)
    anchored_block: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    anchored_at: datetime | None = Field(default=None)


class EpcisEvent(BackendModel, table=True):
    __tablename__ = "epcis_event"
    __table_args__ = (
        # Only unanchored events are in it, so finding an actor's next batch stays cheap however many
        # events are already anchored.
        Index(
            "ix_epcis_event_unanchored",
            "actor_id",
            "brand_id",
            "id",
            postgresql_where=text("anchor_batch_id IS NULL"),
            sqlite_where=text("anchor_batch_id IS NULL"),
        ),
        Index("ix_epcis_event_anchor_batch_id", "anchor_batch_id"),
        # The EPCIS query interface orders and pages by these (keyset: value, id).
        Index("ix_epcis_event_event_time", "event_time", "id"),
        Index("ix_epcis_event_recorded_at", "recorded_at", "id"),
        Index("ix_epcis_event_declared_event_id", "declared_event_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True))
    event_hash: str = Field(max_length=100, unique=True)  # ni:///sha-256;...?ver=CBV2.0
    hash_algorithm: str = Field(default="trustledger-2025", max_length=32)  # see event_hash.ALGORITHMS
    actor_id: uuid.UUID = Field(foreign_key="participant.id")
    brand_id: uuid.UUID = Field(foreign_key="participant.id")
    event_type: str = Field(max_length=32)
    biz_step: str = Field(max_length=300)  # bare CBV term, private vocabulary URI, or "" (none given)
    disposition: str | None = Field(default=None, max_length=300)
    event_time: datetime
    time_zone_offset: str = Field(max_length=6)
    read_point: str = Field(max_length=300)
    biz_location: str | None = Field(default=None, max_length=300)
    action: str | None = Field(default=None, max_length=8)  # ADD / OBSERVE / DELETE; None for a TransformationEvent
    declared_event_id: str | None = Field(default=None, max_length=300)  # the event's own eventID, when it has one
    document: str = Field(sa_type=Text)  # the event as posted (JSON), with its namespaces
    recorded_at: datetime = Field(default_factory=utcnow)
    anchor_batch_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("anchor_batch.id"), nullable=True)
    )


class EpcisEventItem(BackendModel, table=True):
    __tablename__ = "epcis_event_item"

    item_id: int = Field(sa_column=Column(BIG_ID, ForeignKey("product_item.id"), primary_key=True))
    event_id: int = Field(sa_column=Column(BIG_ID, ForeignKey("epcis_event.id"), primary_key=True))


class ProductScan(BackendModel, table=True):
    __tablename__ = "product_scan"
    __table_args__ = (Index("ix_product_scan_item", "gtin", "serial", "scanned_at"),)

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True))
    gtin: str = Field(max_length=14)
    serial: str = Field(max_length=20)  # scans of unknown serials are kept too (cloned-code evidence)
    scanned_at: datetime = Field(default_factory=utcnow)
    client: str = Field(max_length=32)  # `scan_signals.client_key`
    country: str | None = Field(default=None, max_length=2)
    link_preview: bool = Field(default=False)


class SunTag(BackendModel, table=True):
    __tablename__ = "sun_tag"

    uid: str = Field(primary_key=True, max_length=14)  # 7-byte UID, upper-case hex
    gtin: str = Field(max_length=14)
    serial: str = Field(max_length=20)
    last_counter: int | None = Field(default=None)  # highest SDMReadCtr seen; a tap must exceed it


class EpcRole(StrEnum):
    """Where an event names an identifier, as the EPCIS query parameters distinguish them."""

    EPC = "epc"  # epcList, childEPCs (MATCH_epc)
    PARENT = "parent"  # parentID (MATCH_parentID)
    INPUT = "input"  # inputEPCList (MATCH_inputEPC)
    OUTPUT = "output"  # outputEPCList (MATCH_outputEPC)
    CLASS = "class"  # epcClass of quantityList, childQuantityList (MATCH_epcClass)
    INPUT_CLASS = "in_class"  # inputQuantityList (MATCH_inputEPCClass)
    OUTPUT_CLASS = "out_class"  # outputQuantityList (MATCH_outputEPCClass)


class EpcisEventEpc(BackendModel, table=True):
    """Every identifier an event names (canonical GS1 Digital Link, or the URI as written when it is
    not a GS1 key), so MATCH_anyEPC and friends are one index lookup (primary key: epc first)."""

    __tablename__ = "epcis_event_epc"

    epc: str = Field(sa_column=Column(String(300), primary_key=True))
    role: str = Field(sa_column=Column(String(9), primary_key=True))
    event_id: int = Field(sa_column=Column(BIG_ID, ForeignKey("epcis_event.id"), primary_key=True))


class CaptureJob(BackendModel, table=True):
    """One capture request of the EPCIS 2.0 REST binding (``POST /epcis/capture``).

    Written (running) before the document is processed and committed, so an accepted capture
    is never lost: a job still running after a crash says so rather than claiming success."""

    __tablename__ = "epcis_capture_job"

    id: str = Field(primary_key=True, max_length=36)  # the captureID
    actor_id: uuid.UUID = Field(foreign_key="participant.id", index=True)
    error_behaviour: str = Field(max_length=8)  # rollback / proceed
    event_count: int
    recorded_count: int = Field(default=0)
    running: bool = Field(default=True)
    success: bool = Field(default=False)
    errors: str = Field(default="[]", sa_type=Text)  # JSON list of {type, title, detail, eventIndex, pointer}
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = Field(default=None)
