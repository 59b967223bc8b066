"""Bookkeeping tables: raw logs, the recent block window, the checkpoint, the undo journal.

Together they make the mirror resumable and reorg-safe; the domain tables beside
them hold what the logs mean.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Text
from sqlmodel import Field

from indexer.models.base import JsonDocument, MirrorTable, address_field, big_int_field, hash_field


class RawLog(MirrorTable, table=True):
    """Every log of every mirrored contract, as the node returned it, plus its decoding."""

    __tablename__ = "chain_raw_logs"
    __table_args__ = (
        Index("ix_chain_raw_logs_address_topic0", "address", "topic0"),
        Index("ix_chain_raw_logs_tx_hash", "tx_hash"),
    )

    chain_id: int = big_int_field(primary_key=True)
    block_number: int = big_int_field(primary_key=True)
    log_index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    block_hash: str = hash_field()
    block_timestamp: int = big_int_field()
    tx_hash: str = hash_field()
    tx_index: int
    address: str = address_field()
    topic0: str | None = hash_field(default=None)
    topic1: str | None = hash_field(default=None)
    topic2: str | None = hash_field(default=None)
    topic3: str | None = hash_field(default=None)
    data: str = Field(sa_type=Text)
    event: str | None = Field(default=None, max_length=100, description="event name; null when not in the ABI")
    args: dict[str, Any] | None = Field(default=None, sa_type=JsonDocument, description="decoded arguments")


class IndexedBlock(MirrorTable, table=True):
    """Number, hash and parent of the recent blocks: how a reorg is noticed and how deep it goes."""

    __tablename__ = "chain_blocks"

    chain_id: int = big_int_field(primary_key=True)
    number: int = big_int_field(primary_key=True)
    hash: str = hash_field()
    parent_hash: str = hash_field()
    timestamp: int = big_int_field()


class Checkpoint(MirrorTable, table=True):
    """The last block whose logs and derived rows are all committed; written in the same transaction."""

    __tablename__ = "chain_checkpoint"

    chain_id: int = big_int_field(primary_key=True)
    block_number: int = big_int_field()
    block_hash: str = hash_field()
    logs_total: int = Field(sa_type=BigInteger, description="raw logs written by forward indexing, ever")
    updated_at: float = Field(description="unix time of the commit")
    logs_per_second: float = Field(description="throughput of the latest batches (moving average)")


class UndoEntry(MirrorTable, table=True):
    """The image a state row had before a block changed it (null: the row did not exist).

    Replayed newest first on a reorg, which restores every state table to the common ancestor.
    """

    __tablename__ = "chain_undo_journal"

    # INTEGER on SQLite, where only that spelling is the auto-incrementing rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    block_number: int = big_int_field(index=True)
    table_name: str = Field(max_length=63)
    row_key: str = Field(sa_type=Text, description="JSON list of the primary key values")
    previous: str | None = Field(default=None, sa_type=Text, description="JSON object of the prior row, or null")


class IndexedContract(MirrorTable, table=True):
    """The manifest entries the mirror covers, so a contract added later gets its history replayed."""

    __tablename__ = "chain_contracts"

    chain_id: int = big_int_field(primary_key=True)
    address: str = address_field(primary_key=True)
    name: str = Field(max_length=100)
    artifact: str = Field(max_length=100)
    abi_hash: str = Field(max_length=64)
    deploy_block: int = big_int_field()


__all__ = ["Checkpoint", "IndexedBlock", "IndexedContract", "RawLog", "UndoEntry"]
