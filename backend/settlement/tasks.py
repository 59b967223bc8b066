"""Celery entry points of settlement. Beat runs ``settle_due`` once an epoch and ``keep`` as often;
every task is safe to run twice or concurrently (see ``settle`` and ``keeper``)."""

from __future__ import annotations

import logging

from backend.core.config import get_settings
from backend.settlement.onchain.writes import SettlementNotConfigured
from backend.settlement.passes import due_campaigns, keep_once, settle_once
from backend.worker.celery_app import celery_app

log = logging.getLogger(__name__)


@celery_app.task(name="backend.settlement.tasks.settle_due", ignore_result=True)
def settle_due() -> int:
    """Fan out one ``settle`` per campaign with events of closed epochs; returns how many."""
    try:
        campaign_ids = due_campaigns(get_settings())
    except SettlementNotConfigured as exc:
        log.warning("settlement skipped: %s", exc)
        return 0
    for campaign_id in campaign_ids:
        settle.delay(campaign_id)
    return len(campaign_ids)


@celery_app.task(name="backend.settlement.tasks.settle", ignore_result=True)
def settle(campaign_id: int) -> int | None:
    """Settle one campaign; returns the epoch committed, if any."""
    result = settle_once(get_settings(), campaign_id)
    return result.epoch if result.committed else None


@celery_app.task(name="backend.settlement.tasks.keep", ignore_result=True)
def keep() -> int:
    """One keeper pass over every campaign with live settlements; returns transactions queued."""
    try:
        return sum(result.queued for result in keep_once(get_settings()))
    except SettlementNotConfigured as exc:
        log.warning("keeper skipped: %s", exc)
        return 0
