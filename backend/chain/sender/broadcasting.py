"""Step 2 of a pass: hand signed rows to the node, in nonce order, many per HTTP request."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.chain.sender.policy import SenderPolicy, retry_later
from backend.chain.sender.rpc import JsonRpc, RpcError, RpcTransportError

log = logging.getLogger(__name__)

# Refusals meaning the node has, or had, a transaction with this nonce: ours if it was sent
# before a crash, someone else's otherwise. The receipt check tells which, by hash.
_ALREADY_SEEN = ("already known", "known transaction", "already imported", "nonce too low")


def already_seen(error: RpcError) -> bool:
    message = error.message.lower()
    return any(marker in message for marker in _ALREADY_SEEN)


def mark_broadcast(row: OutboxTransaction, now: datetime, head: int) -> None:
    row.status, row.error, row.next_attempt_at, row.stuck_since = OutboxStatus.BROADCAST, None, None, None
    row.broadcast_at = row.broadcast_at or now
    row.broadcast_block = row.broadcast_block if row.broadcast_block is not None else head


def broadcast_signed(engine: Engine, rpc: JsonRpc, *, policy: SenderPolicy, now: datetime, limit: int = 2000) -> int:
    """Send up to `limit` signed rows; returns how many the node accepted (or already had)."""
    with Session(engine, expire_on_commit=False) as session:
        rows = list(
            session.exec(
                select(OutboxTransaction)
                .where(
                    OutboxTransaction.status == OutboxStatus.SIGNED,
                    or_(col(OutboxTransaction.next_attempt_at).is_(None), col(OutboxTransaction.next_attempt_at) <= now),
                )
                .order_by(OutboxTransaction.sender, OutboxTransaction.nonce)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
        )
        if not rows:
            return 0
        try:
            head_reply, *replies = rpc.batch(
                [("eth_blockNumber", [])] + [("eth_sendRawTransaction", ["0x" + row.raw_tx.hex()]) for row in rows]
            )
        except RpcTransportError as error:
            for row in rows:
                retry_later(row, str(error), policy, now)
            session.commit()
            log.warning("outbox: node unreachable, %d signed transactions wait: %s", len(rows), error)
            return 0
        head = int(head_reply, 16) if isinstance(head_reply, str) else 0
        accepted = 0
        for row, reply in zip(rows, replies):
            if not isinstance(reply, RpcError) or already_seen(reply):
                mark_broadcast(row, now, head)
                accepted += 1
            else:
                # The nonce is taken, so the row cannot be dropped: the same bytes are sent again later.
                retry_later(row, str(reply), policy, now)
                log.warning("outbox %s: node refused nonce %s of %s: %s", row.id, row.nonce, row.sender, reply)
        session.commit()
        return accepted

