"""AssetRegistry: who first registered a content hash, and when. Registrations never change."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field

from indexer.models.base import EventRow, MirrorTable, address_field, big_int_field, hash_field


class Asset(MirrorTable, EventRow, table=True):
    __tablename__ = "chain_assets"
    __table_args__ = (Index("ix_chain_assets_content_hash", "contract", "content_hash", unique=True),)

    content_hash: str = hash_field()
    owner: str = address_field(index=True)
    registered_at: int = big_int_field()
    cid: str = Field(description="CID bytes, 0x-hex")


__all__ = ["Asset"]
