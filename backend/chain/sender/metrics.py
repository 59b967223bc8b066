"""Sender backlog, stuck transactions and nonce gaps per key, read at scrape time.

The outbox in the database is the sender's state, shared by every worker process, so
these gauges are not set by one process: ``/metrics`` reads ``sender_status`` (outbox
rows plus one batched ``eth_getTransactionCount``) when Prometheus scrapes. When the
database or node cannot be read the scrape still answers, with
``trustledger_sender_status_up 0``.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from sqlmodel import Session

from backend.chain.sender.rpc import JsonRpc
from backend.chain.sender.status import sender_status
from backend.core.config import Settings
from backend.core.db import engine_for

log = logging.getLogger(__name__)
_SCRAPE_TIMEOUT = 3.0


def _families() -> tuple[GaugeMetricFamily, ...]:
    return (
        GaugeMetricFamily("trustledger_sender_pending_transactions", "Outbox rows not yet final, per key.", labels=["sender"]),
        GaugeMetricFamily("trustledger_sender_stuck_transactions", "Outbox rows marked stuck, per key.", labels=["sender"]),
        GaugeMetricFamily(
            "trustledger_sender_nonce_gaps", "Nonces below the key's counter that nothing will fill.", labels=["sender"]
        ),
        GaugeMetricFamily("trustledger_sender_status_up", "1 when the outbox and node could be read for this scrape."),
    )


class SenderCollector:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self):
        return list(_families())

    def collect(self):
        pending, stuck, gaps, up = _families()
        try:
            rpc = JsonRpc(self.settings.rpc_url, timeout=_SCRAPE_TIMEOUT)
            try:
                with Session(engine_for(self.settings.database_url)) as session:
                    keys = sender_status(session, rpc)
            finally:
                rpc.close()
        except Exception as exc:  # a scrape must answer; the up gauge says this part failed
            log.warning("sender status unavailable for /metrics: %s", exc)
            up.add_metric([], 0)
            return [up]
        for key in keys:
            pending.add_metric([key.sender], sum(key.counts.values()))
            stuck.add_metric([key.sender], len(key.stuck))
            gaps.add_metric([key.sender], len(key.gaps))
        up.add_metric([], 1)
        return [pending, stuck, gaps, up]


def sender_registry(settings: Settings) -> CollectorRegistry:
    """A registry holding only this collector, built per scrape (each app has its own settings)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SenderCollector(settings))
    return registry
