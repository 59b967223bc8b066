"""The checkpoint row: read it, and move it in the transaction that wrote the rows it covers.

Moves are optimistic (``UPDATE … WHERE`` the block and hash this process last read),
so a second indexer writing the same database fails with ConcurrentIndexer instead
of interleaving batches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from indexer.errors import ConcurrentIndexer
from indexer.models import Checkpoint

_TABLE = Checkpoint.__table__
# Weight of the newest batch in the logs/s moving average.
_SMOOTHING = 0.3


@dataclass(frozen=True)
class CheckpointState:
    block_number: int
    block_hash: str
    logs_total: int = 0
    updated_at: float = 0.0
    logs_per_second: float = 0.0


def read_checkpoint(connection: Connection, chain_id: int) -> CheckpointState | None:
    row = connection.execute(select(_TABLE).where(_TABLE.c.chain_id == chain_id)).mappings().first()
    if row is None:
        return None
    return CheckpointState(
        block_number=row["block_number"],
        block_hash=row["block_hash"],
        logs_total=row["logs_total"],
        updated_at=row["updated_at"],
        logs_per_second=row["logs_per_second"],
    )


def move_checkpoint(
    connection: Connection,
    chain_id: int,
    expected: CheckpointState | None,
    block_number: int,
    block_hash: str,
    logs: int = 0,
    seconds: float = 0.0,
) -> CheckpointState:
    """Set the checkpoint to (block_number, block_hash), counting `logs` written in `seconds`."""
    if expected is None:
        rate = logs / seconds if seconds > 0 else 0.0
        state = CheckpointState(block_number, block_hash, logs, time.time(), rate)
        try:
            connection.execute(insert(_TABLE).values(chain_id=chain_id, **state.__dict__))
        except IntegrityError:
            raise ConcurrentIndexer("another indexer created the checkpoint first") from None
        return state
    rate = expected.logs_per_second
    if seconds > 0:
        rate = logs / seconds if rate == 0 else (1 - _SMOOTHING) * rate + _SMOOTHING * logs / seconds
    state = CheckpointState(block_number, block_hash, expected.logs_total + logs, time.time(), rate)
    result = connection.execute(
        update(_TABLE)
        .where(
            _TABLE.c.chain_id == chain_id,
            _TABLE.c.block_number == expected.block_number,
            _TABLE.c.block_hash == expected.block_hash,
        )
        .values(**state.__dict__)
    )
    if result.rowcount != 1:
        raise ConcurrentIndexer(f"checkpoint is no longer block {expected.block_number}: another indexer writes here")
    return state


__all__ = ["CheckpointState", "move_checkpoint", "read_checkpoint"]
