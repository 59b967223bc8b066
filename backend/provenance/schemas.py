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
