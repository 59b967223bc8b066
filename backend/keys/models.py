"""Table of custodial chain keys: one per participant, sealed under a master key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field

from backend.db.base import BackendModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class CustodialKey(BackendModel, table=True):
    __tablename__ = "custodial_keys"

    id: int | None = Field(default=None, primary_key=True)
    # Who the key belongs to, e.g. "participant:<uuid>"; one key per owner.
    owner_ref: str = Field(max_length=200, unique=True, index=True)
    address: str = Field(max_length=42, unique=True, index=True)
    # Id of the master key the ciphertext is sealed under (MasterKey.key_id); rotation rewrites it.
    master_key_id: str = Field(max_length=32, index=True)
    nonce: bytes = Field(sa_type=LargeBinary, repr=False)
    ciphertext: bytes = Field(sa_type=LargeBinary, repr=False)
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime | None = Field(default=None)
