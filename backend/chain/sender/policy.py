from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SenderPolicy:
    """How the sender batches, waits, retries and decides a transaction is stuck."""

    # Rows signed per key per pass; a pass signs, broadcasts and reads receipts, so batches pipeline.
    batch_size: int = 500
    # Gas limit for rows enqueued without one; None estimates each row against the latest state.
    gas_limit: int | None = None
    # Headroom on estimates: the state the estimate ran against can change before inclusion.
    gas_margin_percent: int = 20
    # A broadcast transaction without a receipt after this many blocks or seconds is stuck.
    stuck_after_blocks: int = 20
    stuck_after_seconds: float = 120.0
    # A signed transaction the node refused this many times (e.g. insufficient funds) is stuck too.
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
