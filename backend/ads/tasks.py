"""Celery entry point of the ad pipeline's personal-data purge. Beat runs it hourly; running it
twice, or two at once, is harmless (a purged row is no longer selected)."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from backend.ads.privacy import purge_personal_data, retention_cutoff
from backend.core.config import get_settings
from backend.core.db import engine_for
from backend.worker.celery_app import celery_app

PURGE_CHUNK = 50_000


def purge_expired(engine: Engine, now: int, retention_days: int, chunk: int = PURGE_CHUNK) -> int:
    """Erase the IP and device hashes of events received more than ``retention_days`` before ``now``.

    One short transaction per chunk, committed before the next, so a long backlog never
    holds locks for long and an interrupted run keeps what it purged. Returns the count.
    """
    cutoff = retention_cutoff(now, retention_days)
    total = 0
    while True:
        with engine.begin() as connection:
            purged = purge_personal_data(connection, cutoff, chunk)
        total += purged
        if purged < chunk:
            return total


@celery_app.task(name="backend.ads.tasks.purge_personal_data", ignore_result=True)
def purge_expired_personal_data() -> int:
    settings = get_settings()
    return purge_expired(engine_for(settings.database_url), int(time.time()), settings.ads_retention_days)
