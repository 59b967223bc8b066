"""Read one batch of the chain: logs in an adaptive range, plus the headers that pin them.

Read order, so a node that is behind, restarting or reorging never yields a silent gap:

1. headers of the batch's last block and of every block inside the reorg window
   (one batched call): proves the node has the whole range before its logs are asked for;
2. ``eth_getLogs`` over the range (halved on refusal, see AdaptiveRange);
3. the last block's header again: unchanged, or the batch is re-read (ChainMoved).

Logs in blocks whose headers were read must carry those headers' hashes, and the
headers must chain by parent hash; otherwise the chain moved during the read.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.catalog import ContractCatalog, DecodedLog
from indexer.errors import ChainMoved, LogRangeRejected, NodeBehind, NodeUnavailable
from indexer.log_ranges import AdaptiveRange
from indexer.rpc import BlockHeader, NodeClient


@dataclass
class FetchedBatch:
    """Blocks [start, end] of the chain as seen at head ``head``."""

    start: int
    end: int
    head: int
    journal_from: int
    logs: list[DecodedLog]
    window: list[BlockHeader]
    end_header: BlockHeader

    @property
    def start_parent(self) -> str | None:
        """Parent hash of the first block, when it lies inside the window (older blocks are final)."""
        if self.window and self.window[0].number == self.start:
            return self.window[0].parent_hash
        return None


class BatchFetcher:
    def __init__(self, client: NodeClient, catalog: ContractCatalog, ranges: AdaptiveRange, reorg_window: int):
        self.client = client
        self.catalog = catalog
        self.ranges = ranges
        self.reorg_window = reorg_window

    def _headers(self, numbers: list[int]) -> dict[int, BlockHeader]:
        headers = self.client.headers(numbers) if numbers else {}
        missing = [number for number, header in headers.items() if header is None]
        if missing:
            raise NodeBehind(f"the node lacks block {missing[0]} it reported as reached")
        return headers  # type: ignore[return-value]

    def fetch(self, start: int, last: int, head: int, addresses: list[str] | None = None) -> FetchedBatch:
        """The batch beginning at `start`, ending at `last` or earlier (as the range allows)."""
        journal_from = head - self.reorg_window + 1
        addresses = addresses if addresses is not None else self.catalog.addresses()
        before: dict[int, BlockHeader] = {}
        while True:
            _, end = self.ranges.next_range(start, last)
            wanted = {end} | set(range(max(start, journal_from), end + 1))
            before.update(self._headers(sorted(wanted - set(before))))
            try:
                raw_logs = self.client.get_logs(start, end, addresses)
            except LogRangeRejected as exc:
                if not self.ranges.refused(end - start + 1):
                    raise NodeUnavailable(f"the node refuses eth_getLogs even for block {start} alone: {exc}") from exc
                continue
            self.ranges.answered(end - start + 1, len(raw_logs))
            break
        after = self.client.header(end)
        if after is None:
            raise NodeBehind(f"the node lost block {end} while serving its logs")
        if after.hash != before[end].hash:
            raise ChainMoved(f"block {end} changed while its logs were read")
        window = [before[number] for number in range(max(start, journal_from), end + 1)]
        for parent, child in zip(window, window[1:]):
            if child.parent_hash != parent.hash:
                raise ChainMoved(f"blocks {parent.number} and {child.number} do not chain")
        pinned = {header.number: header for header in window}
        pinned[end] = after
        logs = [self.catalog.decode(raw) for raw in raw_logs]
        for log in logs:
            header = pinned.get(log.block_number)
            if header is not None and header.hash != log.block_hash:
                raise ChainMoved(f"log in block {log.block_number} is from another branch")
        self._fill_timestamps(logs, pinned)
        return FetchedBatch(
            start=start, end=end, head=head, journal_from=journal_from, logs=logs, window=window, end_header=after
        )

    def _fill_timestamps(self, logs: list[DecodedLog], known: dict[int, BlockHeader]) -> None:
        """Nodes that omit ``blockTimestamp`` from logs (Besu) cost one batched header read."""
        missing = sorted({log.block_number for log in logs if log.block_timestamp is None} - set(known))
        headers = dict(known)
        if missing:
            headers.update(self._headers(missing))
        for log in logs:
            if log.block_timestamp is None:
                log.block_timestamp = headers[log.block_number].timestamp


__all__ = ["BatchFetcher", "FetchedBatch"]
