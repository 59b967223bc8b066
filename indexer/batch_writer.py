"""Write one fetched batch in one transaction: raw logs, derived rows, journal, window, checkpoint."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, select

from indexer.bulk import BulkWriter
from indexer.catalog import ContractCatalog
from indexer.decoding import DecodedLog
from indexer.checkpoint import CheckpointState, move_checkpoint
from indexer.errors import MirrorConflict, ReorgDetected
from indexer.fetch import FetchedBatch
from indexer.models import IndexedBlock, RawLog, UndoEntry
from indexer.projections import ProjectionContext
from indexer.row_changes import RowChanges

_RAW = RawLog.__table__
_BLOCKS = IndexedBlock.__table__
_UNDO = UndoEntry.__table__


def raw_row(chain_id: int, log: DecodedLog) -> dict:
    topics = log.topics
    count = len(topics)
    return {
        "chain_id": chain_id,
        "block_number": log.block_number,
        "log_index": log.log_index,
        "block_hash": log.block_hash,
        "block_timestamp": log.block_timestamp,
        "tx_hash": log.tx_hash,
        "tx_index": log.tx_index,
        "address": log.address,
        "topic0": topics[0] if count > 0 else None,
        "topic1": topics[1] if count > 1 else None,
        "topic2": topics[2] if count > 2 else None,
        "topic3": topics[3] if count > 3 else None,
        "data": log.data,
        "event": log.event,
        "args": log.args,
    }


class BatchWriter:
    """Applies fetched batches to the mirror. The caller owns the transaction."""

    def __init__(self, catalog: ContractCatalog):
        self.catalog = catalog
        self.chain_id = catalog.chain_id

    def _project(self, connection: Connection, writer: BulkWriter, logs: list[DecodedLog], journal_from: int) -> None:
        changes = RowChanges(connection, journal_from)
        context = ProjectionContext(changes)
        catalog = self.catalog
        for log in logs:
            if log.event is None:
                continue
            projection = catalog.get(log.address).projection  # type: ignore[union-attr]
            if projection is None:
                continue
            handler = projection.handlers.get(log.event)
            if handler is not None:
                handler(context.bind(log))
        changes.flush(writer)

    def write_forward(
        self, connection: Connection, batch: FetchedBatch, checkpoint: CheckpointState | None, seconds: float
    ) -> CheckpointState:
        """Append blocks [batch.start, batch.end] right after `checkpoint` and move it to batch.end."""
        if checkpoint is not None:
            assert batch.start == checkpoint.block_number + 1, "forward batches continue the checkpoint"
            parent = batch.start_parent
            if parent is not None and parent != checkpoint.block_hash:
                raise ReorgDetected(checkpoint.block_number, checkpoint.block_hash, parent)
        writer = BulkWriter(connection)
        writer.insert(_RAW, [raw_row(self.chain_id, log) for log in batch.logs])
        self._project(connection, writer, batch.logs, batch.journal_from)
        writer.insert(
            _BLOCKS,
            [
                {
                    "chain_id": self.chain_id,
                    "number": header.number,
                    "hash": header.hash,
                    "parent_hash": header.parent_hash,
                    "timestamp": header.timestamp,
                }
                for header in batch.window
            ],
        )
        connection.execute(
            delete(_BLOCKS).where(_BLOCKS.c.chain_id == self.chain_id, _BLOCKS.c.number < batch.journal_from)
        )
        connection.execute(delete(_UNDO).where(_UNDO.c.block_number < batch.journal_from))
        return move_checkpoint(
            connection,
            self.chain_id,
            checkpoint,
            batch.end,
            batch.end_hash,
            logs=len(batch.logs),
            seconds=seconds,
        )

    def write_replay(self, connection: Connection, batch: FetchedBatch, checkpoint: CheckpointState) -> int:
        """Add the logs of [batch.start, batch.end] (at or below the checkpoint) that the mirror lacks.

        Stored logs are compared, not rewritten, so a replay can run any number of times.
        Returns the number of logs added.
        """
        window = dict(
            connection.execute(
                select(_BLOCKS.c.number, _BLOCKS.c.hash).where(
                    _BLOCKS.c.chain_id == self.chain_id, _BLOCKS.c.number.between(batch.start, batch.end)
                )
            ).all()
        )
        stored = {
            (row.block_number, row.log_index): row.block_hash
            for row in connection.execute(
                select(_RAW.c.block_number, _RAW.c.log_index, _RAW.c.block_hash).where(
                    and_(_RAW.c.chain_id == self.chain_id, _RAW.c.block_number.between(batch.start, batch.end))
                )
            )
        }
        missing = []
        for log in batch.logs:
            known = window.get(log.block_number)
            if known is not None and known != log.block_hash:
                raise ReorgDetected(log.block_number, known, log.block_hash)
            stored_hash = stored.get((log.block_number, log.log_index))
            if stored_hash is None:
                missing.append(log)
            elif stored_hash != log.block_hash:
                raise MirrorConflict(
                    f"block {log.block_number} log {log.log_index}: mirror has block hash {stored_hash}, "
                    f"chain has {log.block_hash}, below the reorg window"
                )
        writer = BulkWriter(connection)
        writer.insert(_RAW, [raw_row(self.chain_id, log) for log in missing])
        self._project(connection, writer, missing, batch.journal_from)
        move_checkpoint(connection, self.chain_id, checkpoint, checkpoint.block_number, checkpoint.block_hash)
        return len(missing)


__all__ = ["BatchWriter", "raw_row"]
