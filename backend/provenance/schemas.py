"""Shapes of provenance requests and responses (the tables are in models.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.provenance.serials import MAX_SERIAL_LENGTH, MAX_SERIALS_PER_BATCH

ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCreate(Strict):
    gtin: str = Field(min_length=8, max_length=14, description="GTIN-8/12/13/14 with its check digit")
    name: ProductName
    metadata: dict[str, Any] | None = Field(None, description="product metadata, stored in the content store")


class ProductPublic(BaseModel):
    gtin: str
    name: str
    brand_id: uuid.UUID
    metadata_cid: str | None


class SerialRangeCreate(Strict):
    first: int = Field(ge=0)
    last: int = Field(ge=0)
    width: int = Field(0, ge=0, le=MAX_SERIAL_LENGTH, description="zero-pad the number to this many digits")
    prefix: str = Field("", max_length=MAX_SERIAL_LENGTH)


class SerialsCreate(Strict):
    serials: list[str] = Field(default_factory=list, max_length=MAX_SERIALS_PER_BATCH)
    ranges: list[SerialRangeCreate] = Field(default_factory=list, max_length=100)
    claim_codes: bool = Field(False, description="issue one claim code per item, returned once, to print in the box")


class SerialsCreated(BaseModel):
    batch_id: uuid.UUID
    serials_root: str
    serial_count: int
    claim_codes: dict[str, str]


class ActorAuthorisation(Strict):
    actor_id: uuid.UUID


class ActorPublic(BaseModel):
    brand_id: uuid.UUID
    actor_id: uuid.UUID
    authorised: bool


class EventRecorded(BaseModel):
    event_hash: str
    biz_step: str
    status: str = "pending"


class ClaimCreate(Strict):
    code: str = Field(min_length=1, max_length=40)


class ClaimRecorded(BaseModel):
    gtin: str
    serial: str
    claimed_at: datetime


HexSignature = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{130}$")]
Bytes32Hex = Annotated[str, StringConstraints(pattern=r"^(0x)?[0-9a-fA-F]{64}$")]


class AnchorToSign(BaseModel):
    """A built batch waiting for its actor's signature: sign `typed_data` with eth_signTypedData_v4."""

    anchor_id: uuid.UUID
    batch_id: str
    brand_id: uuid.UUID
    event_count: int
    document_cid: str
    deadline: int
    typed_data: dict[str, Any]


class AnchorSignature(Strict):
    signature: HexSignature


class AnchorSubmitted(BaseModel):
    anchor_id: uuid.UUID
    batch_id: str
    status: str


class EventProof(BaseModel):
    """Everything needed to check one event against ProvenanceRegistry.verifyEventAnchor."""

    event_hash: str
    digest: str  # the bytes32 the leaf commits to
    leaf: str
    status: str  # pending (not batched yet), built, submitted, anchored, failed
    batch_id: str | None
    events_root: str | None
    proof: list[str] | None
    document_cid: str | None
    registry: str | None
    anchored: bool
    anchored_block: int | None


class CreativeCreate(Strict):
    content_base64: str | None = Field(None, description="the creative's bytes (at most 1 MiB), base64")
    cid: str | None = Field(None, description="CIDv1 (raw, sha2-256) of content already in the content store")
    content_hash: Bytes32Hex | None = Field(None, description="sha-256 of the content, 0x-hex; required with cid")


class CreativePublic(BaseModel):
    content_hash: str
    cid: str
    owner: str
    status: str  # submitted, mined (not mirrored yet), registered, failed
    registered_at: datetime | None = None
    block_number: int | None = None
    tx_hash: str | None = None
    error: str | None = None


class RecallRequested(BaseModel):
    gtin: str
    recall: str  # "requested": queued on chain; the product list says "recalled" once the mirror has it
