"""What an indexer reports about itself: counters of this process, and the mirror's status."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IndexerStats:
    """Counters of this process (not persisted); tests and the benchmark read them."""

    batches: int = 0
    logs: int = 0
    rollbacks: int = 0
    node_retries: int = 0
    chain_moved: int = 0
    seconds_writing: float = 0.0


@dataclass(frozen=True)
class IndexerStatus:
    chain_id: int
    head: int | None
    indexed_block: int | None
    logs_total: int
    logs_per_second: float
    updated_at: float | None

    @property
    def lag(self) -> int | None:
        if self.head is None or self.indexed_block is None:
            return None
        return max(0, self.head - self.indexed_block)


__all__ = ["IndexerStats", "IndexerStatus"]
