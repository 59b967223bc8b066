"""Reorgs: find the newest block the mirror and the chain still share, and roll back to it."""

from __future__ import annotations

import json
import logging

from sqlalchemy import Connection, Engine, delete, select

from indexer.checkpoint import CheckpointState, move_checkpoint, read_checkpoint
from indexer.errors import NodeBehind, ReorgTooDeep
from indexer.models import IndexedBlock, RawLog, UndoEntry, history_tables, mirror_metadata
from indexer.row_changes import delete_by_key_statement, key_params, upsert_statement
from indexer.rpc import NodeClient

log = logging.getLogger(__name__)

_BLOCKS = IndexedBlock.__table__
_RAW = RawLog.__table__
_UNDO = UndoEntry.__table__


def stored_window(connection: Connection, chain_id: int, checkpoint: CheckpointState) -> list[tuple[int, str]]:
    """(number, hash) of the contiguous run of stored blocks ending at the checkpoint, newest first."""
    rows = connection.execute(
        select(_BLOCKS.c.number, _BLOCKS.c.hash)
        .where(_BLOCKS.c.chain_id == chain_id, _BLOCKS.c.number <= checkpoint.block_number)
        .order_by(_BLOCKS.c.number.desc())
    ).all()
    run: list[tuple[int, str]] = []
    expected = checkpoint.block_number
    for number, block_hash in rows:
        if number != expected:
            break
        run.append((number, block_hash))
        expected -= 1
    return run


def roll_back(connection: Connection, chain_id: int, checkpoint: CheckpointState, ancestor: int, ancestor_hash: str) -> int:
    """Undo every row written for blocks after `ancestor`, in the caller's transaction; returns undone journal entries."""
    entries = connection.execute(
        select(_UNDO.c.table_name, _UNDO.c.row_key, _UNDO.c.previous)
        .where(_UNDO.c.block_number > ancestor)
        .order_by(_UNDO.c.id.desc())
    ).all()
    for table_name, row_key, previous in entries:
        table = mirror_metadata.tables[table_name]
        if previous is None:
            connection.execute(delete_by_key_statement(table), key_params(table, tuple(json.loads(row_key))))
        else:
            connection.execute(upsert_statement(connection, table), [json.loads(previous)])
    connection.execute(delete(_UNDO).where(_UNDO.c.block_number > ancestor))
    for table in history_tables():
        connection.execute(delete(table).where(table.c.block_number > ancestor))
    connection.execute(delete(_RAW).where(_RAW.c.chain_id == chain_id, _RAW.c.block_number > ancestor))
    connection.execute(delete(_BLOCKS).where(_BLOCKS.c.chain_id == chain_id, _BLOCKS.c.number > ancestor))
    move_checkpoint(connection, chain_id, checkpoint, ancestor, ancestor_hash)
    return len(entries)


def rewind_to_common_ancestor(engine: Engine, client: NodeClient, chain_id: int) -> CheckpointState:
    """Roll the mirror back to the newest stored block that is still canonical; return the new checkpoint.

    1. Read the checkpoint and the stored window: the contiguous run of (number, hash)
       ending at the checkpoint (at most ``reorg_window`` blocks).
    2. Read the chain's headers for those numbers in one batched call. Blocks the node
       does not have (it is behind, or the new branch is shorter) prove nothing either
       way and are skipped.
    3. The common ancestor is the newest stored block whose hash the chain has. If
       none matches and some were missing, NodeBehind: nothing is rolled back and the
       run loop waits. If none matches and all were present, the reorg is deeper than
       the window: ReorgTooDeep, and the mirror must be rebuilt — the journal cannot
       reach further back.
    4. In one transaction, guarded by the checkpoint read in step 1: replay the undo
       journal of the blocks after the ancestor newest first (each state row gets back
       its prior image, or is deleted if it did not exist), delete those blocks' history
       rows, raw logs, window rows and journal entries, and set the checkpoint to the
       ancestor.
    5. Return; forward indexing resumes at ancestor + 1 and so reads the new branch.

    Rejected alternatives: trusting the node's ``removed: true`` logs (eth_newFilter /
    eth_subscribe) — filter state dies with a node restart and a missed notice would
    leave stale rows for good; recomputing derived tables from the remaining raw logs —
    its cost grows with all history, the journal's only with what the orphaned blocks
    changed. Chainlink's LogPoller only deletes logs because it derives nothing.
    """
    with engine.connect() as connection:
        checkpoint = read_checkpoint(connection, chain_id)
        if checkpoint is None:
            raise ReorgTooDeep("no checkpoint to rewind from")
        window = stored_window(connection, chain_id, checkpoint)
    if not window:
        raise ReorgTooDeep(f"block {checkpoint.block_number} was replaced and no window of hashes is stored")
    chain = client.headers([number for number, _ in window])
    ancestor: tuple[int, str] | None = None
    missing = False
    for number, block_hash in window:
        header = chain[number]
        if header is None:
            missing = True  # above the node's head: neither proof of a reorg nor of a match
            continue
        if header.hash == block_hash:
            ancestor = (number, block_hash)
            break
    if ancestor is None:
        if missing:
            raise NodeBehind("the node lacks blocks of the window; the common ancestor cannot be told yet")
        raise ReorgTooDeep(
            f"none of blocks {window[-1][0]}..{window[0][0]} is canonical any more; rebuild the mirror"
        )
    with engine.begin() as connection:
        undone = roll_back(connection, chain_id, checkpoint, *ancestor)
        state = read_checkpoint(connection, chain_id)
    log.warning(
        "reorg: rolled back blocks %d..%d to common ancestor %d (%d state changes undone)",
        ancestor[0] + 1,
        checkpoint.block_number,
        ancestor[0],
        undone,
    )
    assert state is not None
    return state


__all__ = ["rewind_to_common_ancestor", "roll_back", "stored_window"]
