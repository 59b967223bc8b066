"""Read the chain in batches: logs in an adaptive range, plus the headers that pin them.

Read order, so a node that is behind, restarting or reorging never yields a silent gap:

1. headers of the range's last block and of every block inside the reorg window
   (one batched call): proves the node has the whole range before its logs are asked for;
2. ``eth_getLogs`` over the range (halved on refusal, see AdaptiveRange);
3. the last block's header again: unchanged, or the range is re-read (ChainMoved).

Logs in blocks whose headers were read must carry those headers' hashes, and the
headers must chain by parent hash; otherwise the chain moved during the read.
An answer larger than ``target_logs`` is handed on in parts cut at block boundaries
(each part ends at a block whose hash its last log carries), decoded part by part,
so writing starts before the whole answer is decoded and transactions stay bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from indexer.catalog import ContractCatalog
from indexer.decoding import DecodedLog
from indexer.errors import ChainMoved, LogRangeRejected, NodeBehind, NodeUnavailable
from indexer.log_ranges import AdaptiveRange
from indexer.rpc import BlockHeader, NodeClient


@dataclass
class RangeAnswer:
    """The node's undecoded answer for blocks [start, end], with the headers that pin it."""

    start: int
    end: int
    end_hash: str
    head: int
    journal_from: int
    raw_logs: list[dict]
    window: list[BlockHeader]
    timestamps: dict[int, int]


@dataclass
class FetchedBatch:
    """Blocks [start, end] of the chain as seen at head ``head``; ``end_hash`` is block end's hash."""

    start: int
    end: int
    end_hash: str
    head: int
    journal_from: int
    logs: list[DecodedLog]
    window: list[BlockHeader]

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

    def batches(
        self, start: int, last: int, head: int, addresses: list[str] | None = None
    ) -> Iterator[FetchedBatch]:
        """Consecutive batches covering [start, last], read as the chain stood at `head`."""
        for answer in self.answers(start, last, head, addresses):
            yield from self.parts(answer)

    def answers(
        self, start: int, last: int, head: int, addresses: list[str] | None = None
    ) -> Iterator[RangeAnswer]:
        """The node's answers for consecutive ranges covering [start, last], undecoded.

        Reading is split from decoding so a worker thread can keep the node busy with the
        next range while the writer decodes and stores this one (see service.Indexer._forward).
        """
        while start <= last:
            answer = self._read_range(start, last, head, addresses)
            yield answer
            start = answer.end + 1

    def _read_range(self, start: int, last: int, head: int, addresses: list[str] | None) -> RangeAnswer:
        """One eth_getLogs range beginning at `start`, pinned by headers read before and after it."""
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
        return RangeAnswer(
            start=start,
            end=end,
            end_hash=after.hash,
            head=head,
            journal_from=journal_from,
            raw_logs=raw_logs,
            window=window,
            timestamps=self._missing_timestamps(raw_logs, window),
        )

    def _missing_timestamps(self, raw_logs: list[dict], window: list[BlockHeader]) -> dict[int, int]:
        """Nodes that omit ``blockTimestamp`` from logs (Besu) cost one batched header read."""
        known = {header.number: header.timestamp for header in window}
        missing = sorted({int(raw["blockNumber"], 16) for raw in raw_logs if "blockTimestamp" not in raw} - set(known))
        known.update((number, header.timestamp) for number, header in self._headers(missing).items())
        return known

    def parts(self, answer: RangeAnswer) -> Iterator[FetchedBatch]:
        """An answer decoded and checked in parts of about ``target_logs`` logs, cut at block boundaries."""
        raw_logs = answer.raw_logs
        pinned = {header.number: header.hash for header in answer.window}
        pinned[answer.end] = answer.end_hash
        part_start = answer.start
        for first, stop in self._parts(raw_logs, self.ranges.target_logs):
            logs = [self.catalog.decode(raw) for raw in raw_logs[first:stop]]
            for log in logs:
                block_hash = pinned.get(log.block_number)
                if block_hash is not None and block_hash != log.block_hash:
                    raise ChainMoved(f"log in block {log.block_number} is from another branch")
                if log.block_timestamp is None:
                    log.block_timestamp = answer.timestamps[log.block_number]
            if stop < len(raw_logs):
                part_end, part_hash = logs[-1].block_number, logs[-1].block_hash
            else:
                part_end, part_hash = answer.end, answer.end_hash
            yield FetchedBatch(
                start=part_start,
                end=part_end,
                end_hash=part_hash,
                head=answer.head,
                journal_from=answer.journal_from,
                logs=logs,
                window=[h for h in answer.window if part_start <= h.number <= part_end],
            )
            part_start = part_end + 1

    @staticmethod
    def _parts(raw_logs: list[dict], max_logs: int) -> Iterator[tuple[int, int]]:
        """[first, stop) slices of at most about `max_logs` logs, never splitting a block."""
        total = len(raw_logs)
        first = 0
        while True:
            stop = min(total, first + max_logs)
            if stop < total:
                boundary = raw_logs[stop - 1]["blockNumber"]
                while stop < total and raw_logs[stop]["blockNumber"] == boundary:
                    stop += 1
            yield first, stop
            if stop >= total:
                return
            first = stop


__all__ = ["BatchFetcher", "FetchedBatch", "RangeAnswer"]
