"""Compare the mirror with the chain: raw logs, stored block hashes, checkpoint, and derived rows.

Derived rows are checked by rebuilding them from the chain into a scratch in-memory
SQLite mirror and comparing table by table; that needs the whole history, so it runs
when the range starts at or before the first deployment and reaches the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from indexer.batch_writer import raw_row
from indexer.fetch import BatchFetcher
from indexer.log_ranges import AdaptiveRange
from indexer.models import IndexedBlock, RawLog, domain_tables

if TYPE_CHECKING:
    from indexer.service import Indexer

_RAW = RawLog.__table__
_BLOCKS = IndexedBlock.__table__
_COMPARED = ("block_hash", "block_timestamp", "tx_hash", "tx_index", "address", "topic0", "topic1", "topic2",
             "topic3", "data", "event", "args")


@dataclass(frozen=True)
class Difference:
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


def _chain_logs(indexer: "Indexer", start: int, end: int) -> dict[tuple[int, int], dict[str, Any]]:
    ranges = AdaptiveRange(indexer.settings.max_block_range, indexer.settings.target_logs_per_request)
    fetcher = BatchFetcher(indexer.client, indexer.catalog, ranges, indexer.settings.reorg_window)
    head = indexer.client.head()
    logs: dict[tuple[int, int], dict[str, Any]] = {}
    for batch in fetcher.batches(start, end, head):
        for log in batch.logs:
            logs[(log.block_number, log.log_index)] = raw_row(indexer.chain_id, log)
    return logs


def _compare_logs(indexer: "Indexer", start: int, end: int) -> list[Difference]:
    chain = _chain_logs(indexer, start, end)
    with indexer.engine.connect() as connection:
        mirror = {
            (row["block_number"], row["log_index"]): dict(row)
            for row in connection.execute(
                select(_RAW).where(_RAW.c.chain_id == indexer.chain_id, _RAW.c.block_number.between(start, end))
            ).mappings()
        }
    differences = []
    for key in sorted(chain.keys() | mirror.keys()):
        where = f"block {key[0]} log {key[1]}"
        if key not in mirror:
            differences.append(Difference("missing log", where, f"tx {chain[key]['tx_hash']} {chain[key]['event']}"))
        elif key not in chain:
            differences.append(Difference("extra log", where, f"tx {mirror[key]['tx_hash']} {mirror[key]['event']}"))
        else:
            changed = [f for f in _COMPARED if chain[key][f] != mirror[key][f]]
            if changed:
                detail = "; ".join(f"{f}: mirror {mirror[key][f]!r}, chain {chain[key][f]!r}" for f in changed)
                differences.append(Difference("changed log", where, detail))
    return differences


def _compare_blocks(indexer: "Indexer", start: int, end: int) -> list[Difference]:
    with indexer.engine.connect() as connection:
        stored = connection.execute(
            select(_BLOCKS.c.number, _BLOCKS.c.hash).where(
                _BLOCKS.c.chain_id == indexer.chain_id, _BLOCKS.c.number.between(start, end)
            )
        ).all()
    if not stored:
        return []
    chain = indexer.client.headers([number for number, _ in stored])
    return [
        Difference("stale block", f"block {number}", f"mirror {block_hash}, chain {chain[number].hash if chain[number] else None}")
        for number, block_hash in stored
        if chain[number] is None or chain[number].hash != block_hash
    ]


def _table_rows(engine, table) -> dict[tuple, dict[str, Any]]:
    keys = [column.name for column in table.primary_key.columns]
    with engine.connect() as connection:
        return {tuple(row[k] for k in keys): dict(row) for row in connection.execute(select(table)).mappings()}


def _compare_derived(indexer: "Indexer", last_block: int) -> list[Difference]:
    from indexer.service import Indexer

    settings = indexer.settings.model_copy(update={"database_url": "sqlite://", "confirmation_depth": 0})
    scratch = Indexer(settings, manifest=indexer.manifest)
    try:
        scratch.backfill(min(indexer.catalog.start_block, last_block), last_block)
        differences = []
        for table in domain_tables():
            expected = _table_rows(scratch.engine, table)
            actual = _table_rows(indexer.engine, table)
            for key in sorted(expected.keys() | actual.keys(), key=repr):
                where = f"{table.name} {key}"
                if key not in actual:
                    differences.append(Difference("missing row", where, repr(expected[key])))
                elif key not in expected:
                    differences.append(Difference("extra row", where, repr(actual[key])))
                elif expected[key] != actual[key]:
                    changed = [c for c in expected[key] if expected[key][c] != actual[key].get(c)]
                    detail = "; ".join(f"{c}: mirror {actual[key].get(c)!r}, chain {expected[key][c]!r}" for c in changed)
                    differences.append(Difference("changed row", where, detail))
        return differences
    finally:
        scratch.close()


def verify(indexer: "Indexer", from_block: int | None = None, to_block: int | None = None) -> list[Difference]:
    """Every difference between the mirror and the chain in [from_block, to_block] (default: all indexed)."""
    indexer.open()
    checkpoint = indexer.checkpoint()
    if checkpoint is None:
        return [Difference("empty mirror", "checkpoint", "nothing indexed yet")]
    start = indexer.catalog.start_block if from_block is None else from_block
    end = checkpoint.block_number if to_block is None else min(to_block, checkpoint.block_number)
    differences: list[Difference] = []
    header = indexer.client.header(checkpoint.block_number)
    if header is None or header.hash != checkpoint.block_hash:
        differences.append(
            Difference(
                "stale checkpoint",
                f"block {checkpoint.block_number}",
                f"mirror {checkpoint.block_hash}, chain {header.hash if header else None}",
            )
        )
    if start <= end:
        differences += _compare_logs(indexer, start, end)
        differences += _compare_blocks(indexer, start, end)
    if start <= indexer.catalog.start_block and end == checkpoint.block_number:
        differences += _compare_derived(indexer, end)
    return differences


__all__ = ["Difference", "verify"]
