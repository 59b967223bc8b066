"""Celery signal hooks: JSON log lines in worker and beat, and metric files of exited workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker child writes its metrics to files
there; ``worker_process_shutdown`` marks a child dead so its live gauges leave the
merged view (its counters stay, as Prometheus expects).
"""

from __future__ import annotations

import logging
import os

from celery.signals import after_setup_logger, worker_process_shutdown

from backend.core.config import get_settings
from backend.core.log_format import RequestIdFilter, log_formatter
from backend.core.metrics import mark_process_dead


@after_setup_logger.connect
def _json_logs(logger: logging.Logger, **_kwargs) -> None:
    settings = get_settings()
    if settings.effective_log_format != "json":
        return
    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(log_formatter("json"))


@worker_process_shutdown.connect
def _forget_worker_metrics(pid: int | None = None, **_kwargs) -> None:
    mark_process_dead(pid or os.getpid())
