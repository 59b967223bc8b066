"""Celery entry point of anchoring. Beat runs a pass every 30 s; overlapping passes are safe
(events are claimed and batches moved with conditional updates)."""

from __future__ import annotations

import logging

from backend.core.config import get_settings
from backend.provenance.anchoring import Anchorer, AnchoringNotConfigured
from backend.worker.celery_app import celery_app

log = logging.getLogger(__name__)


@celery_app.task(name="backend.provenance.tasks.anchor_events", ignore_result=True)
def anchor_events() -> int:
    """One anchoring pass (it opens its own sessions); returns batches built, submitted, anchored or released."""
    try:
        anchorer = Anchorer(get_settings())
    except AnchoringNotConfigured as exc:
        log.warning("anchoring skipped: %s", exc)
        return 0
    try:
        return anchorer.run_once().changed
    finally:
        anchorer.close()
