"""Retention of short-lived request state: SIWE nonces and ``Idempotency-Key`` records.

Both tables gain a row with every sign-in or state-changing call, and neither row is
needed for long. A nonce is worthless once it has expired, used or not; it is kept for a
grace period after that only so a late sign-in still hears "expired" rather than
"unknown". A stored idempotent response only answers retries of the same call, which
come within minutes or hours: after the retention period (24 hours by default, as
payment APIs do) a reused key runs as a new request. A claim left by a crashed process
(still ``in_progress``) is purged on the same schedule, counted from when it was taken.

Deletes run in chunks, one short transaction each, so a long backlog never holds locks
for long and an interrupted run keeps what it purged. Running twice, or two at once, is
harmless: a purged row is no longer selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select

from backend.identity.models import IdempotencyRecord, IdempotencyState, SiweNonce

NONCE_GRACE = timedelta(hours=1)
PURGE_CHUNK = 10_000


@dataclass(frozen=True)
class Purged:
    nonces: int
    idempotency_records: int


def purge_request_state(
    engine: Engine, now: datetime, idempotency_retention: timedelta, chunk: int = PURGE_CHUNK
) -> Purged:
    """Delete nonces expired more than ``NONCE_GRACE`` before ``now`` and idempotency records older
    than ``idempotency_retention`` (completed: since completion; unfinished: since their claim)."""
    nonces = _purge(engine, SiweNonce.nonce, SiweNonce.expires_at < now - NONCE_GRACE, chunk)
    cutoff = now - idempotency_retention
    stale = or_(
        (IdempotencyRecord.state == IdempotencyState.COMPLETED) & (IdempotencyRecord.completed_at < cutoff),
        (IdempotencyRecord.state != IdempotencyState.COMPLETED) & (IdempotencyRecord.claimed_at < cutoff),
    )
    records = _purge(engine, IdempotencyRecord.id, stale, chunk)
    return Purged(nonces=nonces, idempotency_records=records)


def _purge(engine: Engine, key, condition, chunk: int) -> int:
    total = 0
    while True:
        with engine.begin() as connection:
            doomed = select(key).where(condition).limit(chunk).scalar_subquery()
            deleted = connection.execute(delete(key.class_).where(key.in_(doomed))).rowcount
        total += deleted
        if deleted < chunk:
            return total
