"""The indexer's own SQLModel base, metadata and column types.

The mirror's tables live in their own ``MetaData`` (not SQLModel's global one) so the
backend's models and migrations never see them as theirs, and the other way round.
Every mirror table name starts with ``chain_``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, BigInteger, MetaData, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
mirror_metadata = MetaData(naming_convention=NAMING_CONVENTION)
mirror_registry = registry(metadata=mirror_metadata)


class Uint256(TypeDecorator):
    """A uint256 as a Python int: NUMERIC(78, 0) on PostgreSQL, decimal text on SQLite.

    SQLite's integers stop at 2**63 and its NUMERIC falls back to lossy floats, so the
    text form is the only exact one there; sums over it belong in Python.
    """

    impl = String(78)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0))
        return dialect.type_descriptor(String(78))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return int(value)
        return str(int(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return int(value)
        return int(value)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def address_field(**kwargs) -> str:
    """An EIP-55 checksummed address column."""
    return Field(sa_type=String(42), **kwargs)


def hash_field(**kwargs) -> str:
    """A 0x-prefixed 32-byte hash column."""
    return Field(sa_type=String(66), **kwargs)


def uint256_field(**kwargs) -> int:
    return Field(sa_type=Uint256(), **kwargs)


def big_int_field(**kwargs) -> int:
    """Block numbers, chain ids, unix times and uint64s: BIGINT, so 2038 and large chain ids fit."""
    if kwargs.get("primary_key"):
        kwargs.setdefault("sa_column_kwargs", {"autoincrement": False})
    return Field(sa_type=BigInteger, **kwargs)


class MirrorTable(SQLModel, registry=mirror_registry):
    """Base of every table of the mirror."""


class EventRow(SQLModel):
    """Columns of a history table: one row per event, removed with its block on a reorg.

    The projection framework fills these from the log; a handler supplies the rest.
    """

    block_number: int = big_int_field(primary_key=True)
    log_index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    contract: str = address_field(index=True)
    tx_hash: str = hash_field()
    block_timestamp: int = big_int_field()


class StateRow(SQLModel):
    """Columns of a state table: the current state of one entity, changes journaled for undo."""

    updated_block: int = big_int_field()


def history_tables() -> list:
    """Tables of every ``EventRow`` model: rolled back by deleting the orphaned blocks' rows."""
    return sorted(
        (m.class_.__table__ for m in mirror_registry.mappers if issubclass(m.class_, EventRow)),
        key=lambda table: table.name,
    )


def domain_tables() -> list:
    """Tables of every ``EventRow`` and ``StateRow`` model: what the logs mean."""
    return sorted(
        (m.class_.__table__ for m in mirror_registry.mappers if issubclass(m.class_, (EventRow, StateRow))),
        key=lambda table: table.name,
    )


__all__ = [
    "EventRow",
    "JsonDocument",
    "MirrorTable",
    "StateRow",
    "Uint256",
    "address_field",
    "big_int_field",
    "domain_tables",
    "history_tables",
    "hash_field",
    "mirror_metadata",
    "mirror_registry",
    "uint256_field",
]
