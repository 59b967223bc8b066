"""The chain -> SQL mirror: every event of every contract in the deployment manifest.

Guarantees (each names where it is kept):

1. Logs come from the canonical chain. Each batch pins its logs to block headers read
   before and after them (fetch.py); every new poll checks the checkpoint's hash, every
   batch its parent link (service.py, batch_writer.py). A mismatch is a reorg.
2. No log is missed and none is stored twice, across crashes, restarts and reorgs. The
   checkpoint (block number + hash) is written in the same database transaction as the
   raw logs, derived rows, block window and undo journal it covers (batch_writer.py);
   ``kill -9`` at any moment leaves either all of a batch or none of it, and the next
   start resumes at checkpoint + 1.
3. Derived rows never outlive their block. A reorg within the window (default 64
   blocks) rolls back to the common ancestor: raw logs, history rows and window rows of
   the orphaned blocks are deleted and the undo journal restores every state row, all in
   one transaction (reorg.py), then the new branch is indexed. A deeper reorg stops the
   indexer with ReorgTooDeep rather than guess.
4. A node that is behind, restarting or unreachable is not a reorg: the indexer waits
   with backoff and never rolls back for it (errors.NodeUnavailable / NodeBehind).
5. Confirmation depth is configurable; 0 (QBFT's immediate finality) is valid, and the
   reorg handling does not depend on it.
6. Replay is idempotent: ``backfill`` over blocks already mirrored only adds logs the
   mirror lacks (a contract new in the manifest), so it can run twice safely.
7. One writer per database: a second indexer fails with ConcurrentIndexer instead of
   interleaving batches (checkpoint.py).

The API reads the mirror through ``indexer.models``; only this package writes it.
"""

from indexer.config import IndexerSettings
from indexer.errors import (
    BackfillGap,
    ChainMismatch,
    ChainMoved,
    ConcurrentIndexer,
    IndexerError,
    LogRangeRejected,
    MirrorConflict,
    NodeBehind,
    NodeUnavailable,
    ProjectionError,
    ReorgDetected,
    ReorgTooDeep,
    RpcError,
)
from indexer.database import make_engine, migrate
from indexer.service import Indexer
from indexer.stats import IndexerStats, IndexerStatus
from indexer.verify import Difference, verify

__all__ = [
    "BackfillGap",
    "ChainMismatch",
    "ChainMoved",
    "ConcurrentIndexer",
    "Difference",
    "Indexer",
    "IndexerError",
    "IndexerSettings",
    "IndexerStats",
    "IndexerStatus",
    "LogRangeRejected",
    "MirrorConflict",
    "NodeBehind",
    "NodeUnavailable",
    "ProjectionError",
    "ReorgDetected",
    "ReorgTooDeep",
    "RpcError",
    "make_engine",
    "migrate",
    "verify",
]
