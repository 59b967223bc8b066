"""Named failures of the indexer; the run loop's reaction to each is stated on the class."""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""


class NodeUnavailable(IndexerError):
    """The node did not answer (refused, timed out, 5xx, restarting). Retried with backoff, never a reorg."""


class NodeBehind(NodeUnavailable):
    """The node has not reached a block the mirror already holds. Waited out like an outage, never rolled back."""


class LogRangeRejected(IndexerError):
    """``eth_getLogs`` refused the block range or the size of its result, or timed out. The range is halved."""


class RpcError(IndexerError):
    """A JSON-RPC error the indexer has no rule for; carries the node's code and message."""

    def __init__(self, method: str, code: int | None, message: str):
        self.method = method
        self.code = code
        self.message = message
        super().__init__(f"{method}: node error {code}: {message}")


class ChainMoved(IndexerError):
    """The chain changed between two reads of one batch (log and header hashes disagree). The batch is re-read."""


class ReorgDetected(IndexerError):
    """A stored block is no longer canonical. The run loop rewinds to the common ancestor."""

    def __init__(self, block_number: int, stored_hash: str, chain_hash: str | None):
        self.block_number = block_number
        self.stored_hash = stored_hash
        self.chain_hash = chain_hash
        super().__init__(f"block {block_number}: mirror has {stored_hash}, chain has {chain_hash}")


class ReorgTooDeep(IndexerError):
    """No block of the stored window is canonical any more. Fatal: the mirror must be rebuilt."""


class ChainMismatch(IndexerError):
    """The database mirrors another chain than the node or the manifest serves. Fatal."""


class ConcurrentIndexer(IndexerError):
    """The checkpoint moved under this process: another indexer writes the same database. Fatal."""


class BackfillGap(IndexerError):
    """A requested range would leave blocks unindexed below it, or lies beyond the confirmed head."""


class MirrorConflict(IndexerError):
    """A replay found a stored log that differs from the chain below the reorg window. Run ``index verify``."""


class ProjectionError(IndexerError):
    """A projection names an event its contract's ABI does not have, or a row it cannot store."""
