"""The indexer process: open the mirror, backfill, follow the head, survive outages and reorgs."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, TypeVar

from contracts.deployment import DeploymentManifest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import OperationalError

from indexer.batch_writer import BatchWriter
from indexer.catalog import ContractCatalog
from indexer.checkpoint import CheckpointState, read_checkpoint
from indexer.config import IndexerSettings
from indexer.database import make_engine, migrate
from indexer.errors import BackfillGap, ChainMismatch, ChainMoved, NodeBehind, NodeUnavailable, ReorgDetected
from indexer.fetch import BatchFetcher
from indexer import metrics
from indexer.log_ranges import AdaptiveRange
from indexer.models import Checkpoint, IndexedBlock, IndexedContract
from indexer.pacing import Backoff, fewer_gc_passes
from indexer.prefetch import prefetched
from indexer.reorg import rewind_to_common_ancestor
from indexer.rpc import NodeClient
from indexer.stats import IndexerStats, IndexerStatus

log = logging.getLogger("indexer")
T = TypeVar("T")
_PROGRESS_EVERY = 5.0  # seconds between progress lines while backfilling


class Indexer:
    """Mirror of the manifest's contracts in one database.

    In-process use (demo, tests)::

        indexer = Indexer(IndexerSettings(...))
        indexer.sync_to_head()   # index everything confirmed so far, then return
        indexer.close()

    ``run()`` does the same and then keeps following the head until stopped.
    """

    def __init__(
        self,
        settings: IndexerSettings | None = None,
        *,
        manifest: DeploymentManifest | None = None,
        engine: Engine | None = None,
    ):
        self.settings = settings or IndexerSettings()
        self.manifest = manifest or DeploymentManifest.load(self.settings.manifest_path)
        self.catalog = ContractCatalog.from_manifest(self.manifest)
        self.chain_id = self.catalog.chain_id
        self.engine = engine or make_engine(self.settings.database_url)
        self._owns_engine = engine is None
        self.client = NodeClient(self.settings.rpc_url, self.settings.rpc_timeout)
        self.ranges = AdaptiveRange(self.settings.max_block_range, self.settings.target_logs_per_request)
        self.writer = BatchWriter(self.catalog)
        self.stats = IndexerStats()
        self._opened = False

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self, timeout: float | None = None) -> "Indexer":
        """Migrate the mirror, check it belongs to this chain, replay contracts the manifest gained.

        Waits for an unreachable node, at most `timeout` seconds when given.
        """
        if self._opened:
            return self
        deadline = None if timeout is None else time.monotonic() + timeout
        migrate(self.engine)
        node_chain = self._retrying(self.client.chain_id, deadline)
        if node_chain != self.chain_id:
            raise ChainMismatch(f"the node serves chain {node_chain}, the manifest is for chain {self.chain_id}")
        with self.engine.connect() as connection:
            others = connection.execute(
                select(Checkpoint.__table__.c.chain_id).where(Checkpoint.__table__.c.chain_id != self.chain_id)
            ).all()
        if others:
            raise ChainMismatch(f"the database mirrors chain {others[0][0]}, not chain {self.chain_id}")
        self._opened = True
        self._retrying(self._catch_up_new_contracts, deadline)
        return self

    def close(self) -> None:
        self.client.close()
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> "Indexer":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- reading state ---------------------------------------------------------------------------

    def checkpoint(self) -> CheckpointState | None:
        with self.engine.connect() as connection:
            return read_checkpoint(connection, self.chain_id)

    def status(self) -> IndexerStatus:
        """The mirror's checkpoint and the node's head (None when unreachable); writes nothing but migrations."""
        migrate(self.engine)
        checkpoint = self.checkpoint()
        try:
            head: int | None = self.client.head()
        except NodeUnavailable:
            head = None
        return IndexerStatus(
            chain_id=self.chain_id,
            head=head,
            indexed_block=checkpoint.block_number if checkpoint else None,
            logs_total=checkpoint.logs_total if checkpoint else 0,
            logs_per_second=checkpoint.logs_per_second if checkpoint else 0.0,
            updated_at=checkpoint.updated_at if checkpoint else None,
        )

    # -- indexing --------------------------------------------------------------------------------

    def step(self, stop: threading.Event | None = None) -> bool:
        """One poll: check the checkpoint is still canonical, then index up to the confirmed head.

        Returns False when there was nothing to do. Raises NodeUnavailable / NodeBehind
        (wait and retry) and ChainMoved (retry at once); reorgs are handled here.
        """
        self.open()
        head = self.client.head()
        checkpoint = self.checkpoint()
        if checkpoint is not None and not self._still_canonical(checkpoint, head):
            self._rewind()
            return True
        start = checkpoint.block_number + 1 if checkpoint else self.catalog.start_block
        target = head - self.settings.confirmation_depth
        if target < start:
            self._observe_lag(head, checkpoint)
            return False
        try:
            checkpoint = self._forward(checkpoint, start, target, head, stop)
        except ReorgDetected as exc:
            log.warning("reorg noticed while indexing: %s", exc)
            self._rewind()
            return True
        self._observe_lag(head, checkpoint)
        return True

    def _observe_lag(self, head: int, checkpoint: CheckpointState | None) -> None:
        """Head lag in blocks and in block time, for /metrics (one header read only when behind)."""
        metrics.LAST_POLL.set(time.time())
        if checkpoint is None:
            return
        behind = max(0, head - checkpoint.block_number)
        metrics.HEAD_LAG_BLOCKS.set(behind)
        seconds = 0.0
        if behind:
            with self.engine.connect() as connection:
                indexed_at = connection.execute(
                    select(IndexedBlock.__table__.c.timestamp).where(
                        IndexedBlock.__table__.c.chain_id == self.chain_id,
                        IndexedBlock.__table__.c.number == checkpoint.block_number,
                    )
                ).scalar()
            header = self.client.header(head)
            if indexed_at is not None and header is not None:
                seconds = max(0, header.timestamp - indexed_at)
        metrics.HEAD_LAG_SECONDS.set(seconds)

    def _still_canonical(self, checkpoint: CheckpointState, head: int) -> bool:
        """False on a reorg; NodeBehind when the node has not reached the checkpoint (lagging is no reorg)."""
        if head >= checkpoint.block_number:
            header = self.client.header(checkpoint.block_number)
            if header is None:
                raise NodeBehind(f"the node reports head {head} but lacks block {checkpoint.block_number}")
            return header.hash == checkpoint.block_hash
        # Behind the checkpoint: a lagging node has our hashes up to its head, a shorter new branch does not.
        with self.engine.connect() as connection:
            stored = connection.execute(
                select(IndexedBlock.__table__.c.hash).where(
                    IndexedBlock.__table__.c.chain_id == self.chain_id, IndexedBlock.__table__.c.number == head
                )
            ).scalar()
        header = self.client.header(head) if stored is not None else None
        if header is not None and header.hash != stored:
            return False
        raise NodeBehind(f"the node is at block {head}, the mirror at {checkpoint.block_number}")

    def _rewind(self) -> CheckpointState:
        state = rewind_to_common_ancestor(self.engine, self.client, self.chain_id)
        self.stats.rollbacks += 1
        metrics.REORGS.inc()
        return state

    def _forward(
        self, checkpoint: CheckpointState | None, start: int, last: int, head: int, stop: threading.Event | None
    ) -> CheckpointState | None:
        """Index [start, last] as consecutive batches, each committed with its checkpoint."""
        client = NodeClient(self.settings.rpc_url, self.settings.rpc_timeout)
        fetcher = BatchFetcher(client, self.catalog, self.ranges, self.settings.reorg_window)
        # A worker thread reads the next ranges (waiting on the node) while this thread
        # decodes and writes: the node and the database work at the same time.
        answers = prefetched(fetcher.answers(start, last, head), depth=2)
        batches = (batch for answer in answers for batch in fetcher.parts(answer))
        last_commit = time.monotonic()
        last_report = last_commit
        last_write = 0.0
        try:
            with fewer_gc_passes():
                for batch in batches:
                    began = time.monotonic()
                    # The batch's cycle: waiting for it, plus its write (estimated by the previous one's).
                    cycle = began - last_commit + last_write
                    with self.engine.begin() as connection:
                        checkpoint = self.writer.write_forward(connection, batch, checkpoint, cycle)
                    now = time.monotonic()
                    last_write = now - began
                    self.stats.seconds_writing += last_write
                    self.stats.batches += 1
                    self.stats.logs += len(batch.logs)
                    last_commit = now
                    if now - last_report >= _PROGRESS_EVERY:
                        last_report = now
                        log.info(
                            "indexed to block %d of %d (%d logs/s)", batch.end, last, int(checkpoint.logs_per_second)
                        )
                    if stop is not None and stop.is_set():
                        break
        finally:
            answers.close()
            client.close()
        return checkpoint

    def _replay(self, start: int, end: int, addresses: list[str] | None = None) -> int:
        """Add the logs of [start, end] the mirror lacks (all at or below the checkpoint)."""
        fetcher = BatchFetcher(self.client, self.catalog, self.ranges, self.settings.reorg_window)
        head = self.client.head()
        added = 0
        for batch in fetcher.batches(start, end, head, addresses):
            with self.engine.begin() as connection:
                checkpoint = read_checkpoint(connection, self.chain_id)
                if checkpoint is None or batch.end > checkpoint.block_number:
                    raise ChainMoved("the checkpoint moved below a replayed range")
                added += self.writer.write_replay(connection, batch, checkpoint)
        return added

    def _catch_up_new_contracts(self) -> None:
        table = IndexedContract.__table__
        with self.engine.connect() as connection:
            known = set(
                connection.execute(select(table.c.address).where(table.c.chain_id == self.chain_id)).scalars()
            )
        new = [c for c in self.catalog.contracts if c.address not in known]
        if not new:
            return
        checkpoint = self.checkpoint()
        behind = [c for c in new if checkpoint is not None and c.deploy_block <= checkpoint.block_number]
        if behind:
            first = min(c.deploy_block for c in behind)
            log.info("replaying blocks %d..%d for %d contract(s) new in the manifest", first, checkpoint.block_number, len(behind))
            self._replay(first, checkpoint.block_number, [c.address for c in behind])
        with self.engine.begin() as connection:
            connection.execute(
                insert(table),
                [
                    {
                        "chain_id": self.chain_id,
                        "address": c.address,
                        "name": c.name,
                        "artifact": c.artifact,
                        "abi_hash": c.abi_hash,
                        "deploy_block": c.deploy_block,
                    }
                    for c in new
                ],
            )

    # -- retrying entry points -------------------------------------------------------------------

    def _retrying(self, action: Callable[[], T], deadline: float | None = None) -> T:
        """Run `action`, waiting out node outages (backoff) and re-running after chain movement or reorgs."""
        backoff = Backoff(self.settings.max_backoff)
        while True:
            try:
                return action()
            except NodeUnavailable as exc:
                self.stats.node_retries += 1
                delay = backoff.next()
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise
                log.warning("node not ready (%s); retrying in %.2fs", exc, delay)
                time.sleep(delay)
            except ChainMoved as exc:
                self.stats.chain_moved += 1
                log.info("chain moved during a read (%s); reading again", exc)
            except ReorgDetected as exc:
                log.warning("reorg noticed: %s", exc)
                self._retrying(self._rewind, deadline)

    def sync_to_head(self, timeout: float | None = None) -> CheckpointState | None:
        """Index everything up to the confirmed head (as of the last poll), then return the checkpoint.

        Node outages are waited out with backoff; `timeout` (seconds) bounds the waiting.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        self.open(timeout)
        while self._retrying(self.step, deadline):
            pass
        return self.checkpoint()

    def backfill(self, from_block: int, to_block: int) -> CheckpointState | None:
        """Index blocks [from_block, to_block]: replay what is already covered, extend the rest.

        A replay only adds logs the mirror lacks (after the manifest gained a contract),
        so it can run any number of times. Extending needs `from_block` to continue the
        checkpoint, or the mirror would have a gap.
        """
        self._retrying(self.open)
        head = self._retrying(self.client.head)
        confirmed = head - self.settings.confirmation_depth
        if to_block > confirmed:
            raise BackfillGap(f"block {to_block} is beyond the confirmed head {confirmed}")
        if from_block > to_block:
            raise BackfillGap(f"empty range {from_block}..{to_block}")
        checkpoint = self.checkpoint()
        if checkpoint is None and from_block > self.catalog.start_block:
            raise BackfillGap(
                f"the mirror is empty: start at or before block {self.catalog.start_block}, the first deployment"
            )
        if checkpoint is not None and from_block > checkpoint.block_number + 1:
            raise BackfillGap(
                f"the mirror ends at block {checkpoint.block_number}; from {from_block} would skip blocks"
            )
        if checkpoint is not None and from_block <= checkpoint.block_number:
            covered_end = min(to_block, checkpoint.block_number)
            self._retrying(lambda: self._replay(from_block, covered_end))

        def extend() -> bool:
            current = self.checkpoint()
            start = current.block_number + 1 if current else from_block
            if start > to_block:
                return False
            if current is not None and not self._still_canonical(current, self.client.head()):
                self._rewind()
                return True
            self._forward(current, start, to_block, self.client.head(), None)
            return True

        while self._retrying(extend):
            pass
        return self.checkpoint()

    def run(self, stop: threading.Event | None = None) -> None:
        """Backfill, then follow the head until `stop` is set. Outages are waited out, reorgs rolled back."""
        stop = stop or threading.Event()
        self._retrying(self.open)
        backoff = Backoff(self.settings.max_backoff)
        while not stop.is_set():
            try:
                progressed = self.step(stop)
                backoff.reset()
                if not progressed:
                    stop.wait(self.settings.poll_interval)
            except NodeUnavailable as exc:
                self.stats.node_retries += 1
                delay = backoff.next()
                log.warning("node not ready (%s); retrying in %.2fs", exc, delay)
                stop.wait(delay)
            except ChainMoved as exc:
                self.stats.chain_moved += 1
                log.info("chain moved during a read (%s); reading again", exc)
            except OperationalError as exc:
                # The database restarting or locked: the batch's transaction rolled back whole.
                delay = backoff.next()
                log.warning("database not ready (%s); retrying in %.2fs", exc.orig, delay)
                stop.wait(delay)


__all__ = ["Indexer"]
