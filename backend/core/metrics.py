"""Every Prometheus metric trustledger exports, defined once (domain-neutral: no HTTP here).

Domain code imports the metric it moves and moves it where the thing happens; the API
serves them at ``/metrics`` (``backend/api/metrics.py``). Names follow the Prometheus
conventions: ``trustledger_`` prefix, base units in the name, ``_total`` on counters.

Multiprocess: when ``PROMETHEUS_MULTIPROC_DIR`` is set (several uvicorn or Celery
processes), prometheus-client writes each process's values to files there and
:func:`exposition_registry` merges them; otherwise the default registry of this process
is served. Gauges say how they merge across processes (``multiprocess_mode``).
"""

from __future__ import annotations

import glob
import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
if os.environ.get(MULTIPROC_ENV):  # each process writes its files there from the first metric on
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)

# -- HTTP ----------------------------------------------------------------------------------------
HTTP_REQUEST_DURATION = Histogram(
    "trustledger_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (not the raw path) and status.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# -- ads ingest ----------------------------------------------------------------------------------
AD_EVENTS = Counter(
    "trustledger_ad_events_total",
    "Ad events received: accepted, filtered (invalid traffic, by reason) or rejected (malformed, by reason).",
    ["outcome", "reason"],
)

# -- settlement ----------------------------------------------------------------------------------
SETTLEMENT_EPOCHS = Counter(
    "trustledger_settlement_epochs_total",
    "Settle passes per campaign by outcome: committed, awaiting_attestations, not_committable, "
    "skipped reasons, failed.",
    ["outcome"],
)
SETTLEMENT_LAST_COMMIT = Gauge(
    "trustledger_settlement_last_commit_timestamp_seconds",
    "Unix time of the latest epoch stored for commit (a late epoch: this stops moving).",
    multiprocess_mode="max",
)

# -- chain sender --------------------------------------------------------------------------------
OUTBOX_QUEUED = Counter(
    "trustledger_outbox_transactions_queued_total",
    "Transactions queued in the outbox, by kind (CampaignEscrow.commitSettlement, CampaignEscrow.payout, ...).",
    ["kind"],
)
TRANSACTION_GAS = Histogram(
    "trustledger_chain_transaction_gas",
    "Gas used by mined outbox transactions (settlement commits, payouts, ...), by kind and receipt status.",
    ["kind", "status"],
    buckets=(25_000, 50_000, 75_000, 100_000, 150_000, 250_000, 500_000, 1_000_000, 3_000_000),
)
SENDER_METRIC_NAMES = (
    "trustledger_sender_pending_transactions",
    "trustledger_sender_stuck_transactions",
    "trustledger_sender_nonce_gaps",
)  # read from the outbox at scrape time (backend/chain/sender/metrics.py)

# -- consent -------------------------------------------------------------------------------------
CONSENT_READS = Counter(
    "trustledger_consent_reads_total",
    "Advertiser reads of consented data: allowed, or refused with the refusal's code.",
    ["outcome", "reason"],
)

# -- provenance ----------------------------------------------------------------------------------
PROVENANCE_SCANS = Counter(
    "trustledger_provenance_scans_total",
    "Product verification pages served (QR scans), by verdict.",
    ["verdict"],
)


class _MergedDirectories:
    """Every process's metric files in PROMETHEUS_MULTIPROC_DIR and in the extra directories.

    Compose runs the API, worker and indexer in separate containers: each writes to its own
    sub-directory of the shared data volume (pids of different containers collide, so they
    cannot share one), and the API merges them all.
    """

    def __init__(self, directories: list[str]) -> None:
        self.directories = directories

    def collect(self):
        from prometheus_client.multiprocess import MultiProcessCollector

        files = [path for directory in self.directories for path in sorted(glob.glob(os.path.join(directory, "*.db")))]
        return MultiProcessCollector.merge(files, accumulate=True)


def exposition_registry(extra_directories: list[str] | tuple[str, ...] = ()) -> CollectorRegistry:
    """The registry /metrics serves: every process's files when multiprocess, else this process's."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_MergedDirectories([directory, *(d for d in extra_directories if d != directory)]))
        return registry
    return REGISTRY


def mark_process_dead(pid: int | None = None) -> None:
    """Drop a finished worker process's live gauges (call on worker exit; no-op single-process)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid() if pid is None else pid)
