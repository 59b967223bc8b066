"""What an operator needs to see per sending key: backlog, stuck transactions and nonce gaps."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from backend.chain.nonces import SenderNonce
from backend.chain.outbox import IN_FLIGHT, PENDING, OutboxTransaction
from backend.chain.sender.rpc import JsonRpc


@dataclass
class StuckTransaction:
    id: int
    kind: str
    nonce: int | None
    tx_hash: str | None
    status: str
    error: str | None


@dataclass
class KeyStatus:
    sender: str
    next_nonce: int  # the sender's counter: the nonce the next signed row gets
    chain_nonce: int  # transactions of this key mined on chain
    chain_pending_nonce: int  # ... plus those waiting in the node's pool
    counts: dict[str, int] = field(default_factory=dict)  # pending rows by status
    stuck: list[StuckTransaction] = field(default_factory=list)
    # Nonces below the counter that are neither mined nor held by an in-flight row: nothing
    # will ever fill them, so every later transaction of the key waits behind them.
    gaps: list[int] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.stuck and not self.gaps


def sender_status(session: Session, rpc: JsonRpc) -> list[KeyStatus]:
    counters = {row.sender: row.next_nonce for row in session.exec(select(SenderNonce)).all()}
    pending_rows = session.exec(
        select(OutboxTransaction).where(col(OutboxTransaction.status).in_(PENDING)).order_by(OutboxTransaction.id)
    ).all()
    senders = sorted(set(counters) | {row.sender for row in pending_rows})
    if not senders:
        return []
    replies = rpc.batch(
        [("eth_getTransactionCount", [s, "latest"]) for s in senders]
        + [("eth_getTransactionCount", [s, "pending"]) for s in senders]
    )
    statuses = []
    for index, sender in enumerate(senders):
        mine = [row for row in pending_rows if row.sender == sender]
        status = KeyStatus(
            sender=sender,
            next_nonce=counters.get(sender, 0),
            chain_nonce=int(replies[index], 16),
            chain_pending_nonce=int(replies[len(senders) + index], 16),
        )
        for row in mine:
            status.counts[row.status] = status.counts.get(row.status, 0) + 1
            if row.stuck_since is not None:
                status.stuck.append(StuckTransaction(row.id, row.kind, row.nonce, row.tx_hash, row.status, row.error))
        held = {row.nonce for row in mine if row.status in IN_FLIGHT}
        status.gaps = [n for n in range(status.chain_nonce, status.next_nonce) if n not in held]
        statuses.append(status)
    return statuses

