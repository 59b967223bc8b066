"""ProvenanceRegistry's state: products (GTINs), serial batches, authorised actors, anchors, custody."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field

from indexer.models.base import EventRow, MirrorTable, StateRow, address_field, big_int_field, hash_field, uint256_field


class Product(MirrorTable, StateRow, table=True):
    """A product class: one GTIN-14 (as a number) registered by a brand."""

    __tablename__ = "chain_products"

    contract: str = address_field(primary_key=True)
    gtin: int = big_int_field(primary_key=True)
    brand: str = address_field(index=True)
    metadata_cid: str = Field(description="CID bytes, 0x-hex")
    recalled: bool = False
    registered_block: int = big_int_field()


class ProductBatch(MirrorTable, StateRow, table=True):
    """Serials of one GTIN registered together as one Merkle root."""

    __tablename__ = "chain_product_batches"

    contract: str = address_field(primary_key=True)
    serial_batch_id: int = big_int_field(primary_key=True)
    gtin: int = big_int_field(index=True)
    brand: str = address_field()
    serials_root: str = hash_field()
    serial_count: int = big_int_field()
    metadata_cid: str = Field(description="CID bytes, 0x-hex")
    recalled: bool = False
    registered_block: int = big_int_field()


class ProvenanceActor(MirrorTable, StateRow, table=True):
    """Whether a supply-chain actor may record events for a brand."""

    __tablename__ = "chain_provenance_actors"

    contract: str = address_field(primary_key=True)
    brand: str = address_field(primary_key=True)
    actor: str = address_field(primary_key=True)
    authorised: bool


class ProvenanceAnchor(MirrorTable, EventRow, table=True):
    """One EventsAnchored: a batch of EPCIS event hashes as a Merkle root, signed by the actor."""

    __tablename__ = "chain_provenance_anchors"
    __table_args__ = (Index("ix_chain_provenance_anchors_batch_id", "contract", "batch_id", unique=True),)

    batch_id: str = hash_field()
    actor: str = address_field(index=True)
    brand: str = address_field(index=True)
    events_root: str = hash_field()
    event_count: int = big_int_field()
    document_cid: str = Field(description="CID bytes, 0x-hex")
    nonce: int = uint256_field()


class CustodyTransfer(MirrorTable, EventRow, table=True):
    __tablename__ = "chain_custody_transfers"

    gtin: int = big_int_field(index=True)
    serial_hash: str = hash_field(index=True)
    sender: str = address_field()
    recipient: str = address_field()


class ProductCustody(MirrorTable, StateRow, table=True):
    """Who holds a serialised item now."""

    __tablename__ = "chain_product_custody"

    contract: str = address_field(primary_key=True)
    gtin: int = big_int_field(primary_key=True)
    serial_hash: str = hash_field(primary_key=True)
    custodian: str = address_field()


__all__ = ["CustodyTransfer", "Product", "ProductBatch", "ProductCustody", "ProvenanceActor", "ProvenanceAnchor"]
