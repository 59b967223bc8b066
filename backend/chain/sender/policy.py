from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.chain.outbox import OutboxTransaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderPolicy:
    """How the sender batches, waits, retries and decides a transaction is stuck."""

    # Rows signed per key per pass; a pass signs, broadcasts and reads receipts, so batches pipeline.
    batch_size: int = 500
    # Gas limit for rows enqueued without one; None estimates each row against the latest state.
    gas_limit: int | None = None
    # Headroom on estimates: the state the estimate ran against can change before inclusion.
    gas_margin_percent: int = 20
    # A key's lowest unmined transaction is stuck when the key's mined nonce stood still for this many
    # blocks AND this many seconds: blocks alone misfire where blocks are cheap (anvil mines one per
    # request, empty ones included), seconds alone blame the transaction for a chain that halted.
    stuck_after_blocks: int = 20
    stuck_after_seconds: float = 60.0
    # A row that failed this many times (node refusing it, e.g. insufficient funds; node down) is stuck too.
    stuck_after_attempts: int = 5
    # How long a transaction may lack a receipt before the node is asked whether it still knows it.
    rebroadcast_after_seconds: float = 10.0
    # Re-sign a stuck transaction with the same nonce and higher fees (chains with fees only).
    replace_stuck: bool = False
    fee_bump_percent: int = 15
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0)))


def retry_later(row: OutboxTransaction, error: str, policy: SenderPolicy, now: datetime) -> None:
    """Count a failed attempt, schedule the next with backoff, and report the row stuck after a few."""
    row.attempts += 1
    row.error = error
    row.next_attempt_at = now + policy.backoff(row.attempts)
    if row.attempts >= policy.stuck_after_attempts and row.stuck_since is None:
        row.stuck_since = now
        log.error("outbox %s (%s) of %s stuck after %d attempts: %s", row.id, row.kind, row.sender, row.attempts, error)
