"""The transaction outbox: every chain write the platform makes is a row here first.

A service adds the row in the same database transaction as its business change, so
either both happen or neither does; the sender (``backend.chain.sender``) signs, sends
and follows the row to its receipt. Status:

    queued -> signed -> broadcast -> mined | reverted
      |                   |-> failed (its nonce was used by another transaction)
      |                   '-> signed (stuck, replaced by the same nonce with higher fees)
      |-> reverted (the call reverts already in gas estimation; nothing is sent)
      '-> failed   (no key is held for the sender)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from eth_utils import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import Index, LargeBinary, String, Text, TypeDecorator, UniqueConstraint, insert
from sqlmodel import Field, Session

from backend.db.base import BackendModel
from backend.core.metrics import OUTBOX_QUEUED


def utcnow() -> datetime:
    return datetime.now(UTC)


class Uint256(TypeDecorator):
    """A uint256 as decimal text: exact on SQLite (whose numbers stop at 8 bytes) and PostgreSQL alike."""

    impl = String(78)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(int(value))

    def process_result_value(self, value, dialect):
        return None if value is None else int(value)


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SIGNED = "signed"  # nonce taken, raw transaction and hash stored; not yet accepted by the node
    BROADCAST = "broadcast"  # accepted by the node; waiting for the receipt
    MINED = "mined"
    FAILED = "failed"
    REVERTED = "reverted"


IN_FLIGHT = (OutboxStatus.SIGNED, OutboxStatus.BROADCAST)
PENDING = (OutboxStatus.QUEUED, *IN_FLIGHT)
FINAL = (OutboxStatus.MINED, OutboxStatus.FAILED, OutboxStatus.REVERTED)


class OutboxTransaction(BackendModel, table=True):
    __tablename__ = "outbox_transactions"
    __table_args__ = (
        # Two rows can never hold the same nonce of one key, whatever a worker does.
        UniqueConstraint("sender", "nonce", name="uq_outbox_sender_nonce"),
        Index("ix_outbox_status_sender_id", "status", "sender", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=42)
    to: str = Field(max_length=42)
    data: bytes = Field(sa_type=LargeBinary, repr=False)
    value: int = Field(default=0, sa_type=Uint256)
    kind: str = Field(max_length=64, index=True)
    reference: str | None = Field(default=None, max_length=200, index=True)
    status: OutboxStatus = Field(default=OutboxStatus.QUEUED, sa_type=String(16))
    # Gas limit asked for at enqueue (None: estimate when signing), then the limit signed with.
    gas: int | None = Field(default=None)
    nonce: int | None = Field(default=None)
    # Fees signed with: EIP-1559 pair, or gas_price alone on chains without a base fee (Besu free gas: 0).
    max_fee_per_gas: int | None = Field(default=None, sa_type=Uint256)
    max_priority_fee_per_gas: int | None = Field(default=None, sa_type=Uint256)
    gas_price: int | None = Field(default=None, sa_type=Uint256)
    raw_tx: bytes | None = Field(default=None, sa_type=LargeBinary, repr=False)
    tx_hash: str | None = Field(default=None, max_length=66, unique=True, index=True)
    # Hashes of earlier signatures of this nonce replaced by a higher fee, space-separated; any may be mined.
    replaced_hashes: str = Field(default="", sa_type=Text)
    block_number: int | None = Field(default=None)
    gas_used: int | None = Field(default=None)
    error: str | None = Field(default=None, sa_type=Text)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None)
    # Chain head when the node accepted the transaction; the stuck check counts blocks from here.
    broadcast_block: int | None = Field(default=None)
    stuck_since: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    signed_at: datetime | None = Field(default=None)
    broadcast_at: datetime | None = Field(default=None)
    finished_at: datetime | None = Field(default=None)

    @property
    def all_hashes(self) -> list[str]:
        return [h for h in (self.tx_hash, *self.replaced_hashes.split()) if h]


# Senders and contracts repeat across rows; checksumming (a keccak per address) need not.
_checksum = lru_cache(maxsize=4096)(to_checksum_address)


def _as_bytes(data: bytes | str) -> bytes:
    return bytes(HexBytes(data)) if isinstance(data, str) else bytes(data)


def _checked(
    *, sender: str, to: str, data: bytes | str, value: int = 0, kind: str, reference: str | None = None,
    gas: int | None = None,
) -> dict:
    if value < 0:
        raise ValueError(f"value must be >= 0, got {value}")
    if gas is not None and gas <= 0:
        raise ValueError(f"gas must be positive, got {gas}")
    return {
        "sender": _checksum(sender),
        "to": _checksum(to),
        "data": _as_bytes(data),
        "value": value,
        "kind": kind,
        "reference": reference,
        "gas": gas,
    }


def enqueue(
    session: Session,
    *,
    sender: str,
    to: str,
    data: bytes | str,
    value: int = 0,
    kind: str,
    reference: str | None = None,
    gas: int | None = None,
) -> OutboxTransaction:
    """Add a transaction from `sender` (the address of a platform or custodial key) to the session.

    Nothing is committed or sent here: the caller commits the row together with the
    business change it belongs to, and the sender picks it up once committed.
    """
    row = OutboxTransaction(
        **_checked(sender=sender, to=to, data=data, value=value, kind=kind, reference=reference, gas=gas)
    )
    session.add(row)
    OUTBOX_QUEUED.labels(kind).inc()
    return row


def enqueue_many(session: Session, transactions: Iterable[Mapping[str, Any]]) -> list[int]:
    """Add many transactions in one INSERT, e.g. a keeper's payouts for an epoch; returns their ids in order.

    Each mapping takes `enqueue`'s keyword arguments. Like `enqueue`, nothing is committed.
    A bulk INSERT skips building an ORM object per row, which costs more than the sender's
    own work per transaction.
    """
    now = utcnow()
    values = [
        {**_checked(**transaction), "status": OutboxStatus.QUEUED, "replaced_hashes": "", "attempts": 0, "created_at": now}
        for transaction in transactions
    ]
    if not values:
        return []
    statement = insert(OutboxTransaction).returning(OutboxTransaction.id, sort_by_parameter_order=True)
    ids = list(session.execute(statement, values).scalars())
    for kind, count in Counter(value["kind"] for value in values).items():
        OUTBOX_QUEUED.labels(kind).inc(count)
    return ids
