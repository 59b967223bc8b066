"""The indexer's Prometheus metrics (the indexer never imports the backend, so they live here).

Set by ``Indexer.step`` after each poll; the API's ``/metrics`` serves them, from this
process (``trustledger run``) or from the indexer process's files in
``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the indexer process's files, merged by the API
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

HEAD_LAG_BLOCKS = Gauge(
    "trustledger_indexer_head_lag_blocks",
    "Blocks between the node's head and the mirror's checkpoint.",
    multiprocess_mode="mostrecent",
)
HEAD_LAG_SECONDS = Gauge(
    "trustledger_indexer_head_lag_seconds",
    "Block-time distance between the node's head and the mirror's checkpoint.",
    multiprocess_mode="mostrecent",
)
LAST_POLL = Gauge(
    "trustledger_indexer_last_poll_timestamp_seconds",
    "Unix time of the indexer's latest successful poll of the node.",
    multiprocess_mode="max",
)
REORGS = Counter("trustledger_indexer_reorgs_total", "Reorgs rolled back to the common ancestor.")
