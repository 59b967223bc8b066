"""The sender: one pass signs queued rows, broadcasts signed ones and settles receipts.

Any number of passes may run at once on PostgreSQL (Celery workers): nonce counters
and rows are claimed with FOR UPDATE SKIP LOCKED, so no two passes sign for the same
key or touch the same row. In one process, passes are serialised by a lock, which
is also what keeps SQLite (one writer) safe in the embedded mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from eth_account.signers.local import LocalAccount
from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.chain.outbox import PENDING, OutboxTransaction, utcnow
from backend.chain.sender.broadcasting import broadcast_signed
from backend.chain.sender.fees import Fees, quote_fees
from backend.chain.sender.policy import SenderPolicy
from backend.chain.sender.receipts import KeyProgress, track_receipts
from backend.chain.sender.rpc import JsonRpc, RpcTransportError
from backend.chain.sender.signing import senders_with_queued, sign_queued
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.keys import MasterKey, signer_for

log = logging.getLogger(__name__)

_PASS_LOCKS: dict[str, threading.Lock] = defaultdict(threading.Lock)


class SenderTimeout(RuntimeError):
    """The outbox still had pending transactions when drain's time ran out."""

    def __init__(self, pending: int, stuck: int, seconds: float):
        super().__init__(f"{pending} outbox transactions still pending ({stuck} stuck) after {seconds:.0f}s")
        self.pending = pending
        self.stuck = stuck


class Sender:
    def __init__(
        self,
        settings: Settings,
        *,
        policy: SenderPolicy | None = None,
        rpc: JsonRpc | None = None,
        master: MasterKey | None = None,
        chain_id: int | None = None,
    ):
        self.settings = settings
        self.policy = policy or SenderPolicy()
        self.rpc = rpc or JsonRpc(settings.rpc_url)
        self.engine = engine_for(settings.database_url)
        self._master = master
        self._chain_id = chain_id  # asked from the node on the first pass when not given
        self._progress: dict[str, KeyProgress] = {}
        self._pass_lock = _PASS_LOCKS[settings.database_url]
        self._node_down = False

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.rpc.call("eth_chainId"), 16)
        return self._chain_id

    def _signer(self, session: Session, address: str) -> LocalAccount:
        return signer_for(session, address, settings=self.settings, master=self._master)

    def _fees(self) -> Callable[[], Fees]:
        quote: list[Fees] = []

        def once() -> Fees:
            if not quote:
                quote.append(quote_fees(self.rpc))
            return quote[0]

        return once

    def run_once(self) -> int:
        """One pass over the outbox; returns how many rows changed state."""
        with self._pass_lock:
            try:
                chain_id = self.chain_id
            except RpcTransportError as error:
                if not self._node_down:  # once per outage, not once per pass
                    log.warning("outbox: node unreachable, waiting for it: %s", error)
                self._node_down = True
                return 0
            if self._node_down:
                log.info("outbox: node reachable again")
                self._node_down = False
            now = utcnow()
            fees = self._fees()
            keys = {"chain_id": chain_id, "fees": fees, "signer": self._signer, "policy": self.policy, "now": now}
            changed = 0
            for sender in senders_with_queued(self.engine, now):
                changed += sign_queued(self.engine, self.rpc, sender, **keys)
            changed += broadcast_signed(self.engine, self.rpc, policy=self.policy, now=now)
            changed += track_receipts(self.engine, self.rpc, progress=self._progress, **keys)
            return changed

    def pending(self) -> tuple[int, int]:
        """(rows not final, of which stuck)."""
        with Session(self.engine) as session:
            pending, stuck = session.exec(
                select(func.count(), func.count(OutboxTransaction.stuck_since)).where(
                    col(OutboxTransaction.status).in_(PENDING)
                )
            ).one()
            return pending, stuck

    def drain(self, timeout: float = 60.0, poll_seconds: float = 0.02) -> int:
        """Run passes until no row is pending; returns rows changed. Raises SenderTimeout."""
        deadline = time.monotonic() + timeout
        total = 0
        while True:
            changed = self.run_once()
            total += changed
            pending, stuck = self.pending()
            if pending == 0:
                return total
            if time.monotonic() >= deadline:
                raise SenderTimeout(pending, stuck, timeout)
            if changed == 0:
                time.sleep(poll_seconds)

    def close(self) -> None:
        self.rpc.close()


class SenderThread(threading.Thread):
    """Passes every `interval` seconds in a daemon thread: the sender of the embedded mode (API, demo).

    Passes run back to back while they change something. A failing pass is retried with
    back-off (doubling up to `max_backoff` seconds) and logged with its traceback once per
    streak, so a node that is down for an hour costs a few hundred quiet retries, not
    thousands of tracebacks.
    """

    def __init__(self, sender: Sender, interval: float = 0.5, max_backoff: float = 30.0):
        super().__init__(name="outbox-sender", daemon=True)
        self.sender = sender
        self.interval = interval
        self.max_backoff = max(max_backoff, interval)
        self._stop_event = threading.Event()

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                changed = self.sender.run_once()
            except Exception:  # noqa: BLE001 -- the loop must outlive one bad pass; the next pass retries
                if failures == 0:
                    log.exception("outbox pass failed; retrying with back-off")
                failures += 1
                changed = 0
            else:
                if failures:
                    log.info("outbox pass succeeded after %d failed", failures)
                failures = 0
            if changed == 0:
                self._stop_event.wait(self.retry_delay(failures))

    def retry_delay(self, failures: int) -> float:
        """Seconds to wait after an idle pass (`failures` = 0) or the n-th failed pass in a row."""
        return min(self.interval * 2 ** min(failures, 32), self.max_backoff)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        self.join(timeout)


def process_outbox(settings: Settings, policy: SenderPolicy | None = None) -> int:
    """One pass with a fresh Sender; returns rows changed."""
    sender = Sender(settings, policy=policy)
    try:
        return sender.run_once()
    finally:
        sender.close()


def drain_outbox(settings: Settings, timeout: float = 60.0, policy: SenderPolicy | None = None) -> int:
    """Send everything pending and wait for the receipts (embedded mode, demo, scripts)."""
    sender = Sender(settings, policy=policy)
    try:
        return sender.drain(timeout)
    finally:
        sender.close()
