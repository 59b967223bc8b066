"""Celery entry point of the request-state purge (SIWE nonces, Idempotency-Key records). Beat runs
it hourly; see `backend.identity.retention` for what is kept and why."""

from __future__ import annotations

from datetime import timedelta

from backend.core.config import get_settings
from backend.core.db import engine_for
from backend.identity.models import utcnow
from backend.identity.retention import purge_request_state
from backend.worker.celery_app import celery_app


@celery_app.task(name="backend.identity.tasks.purge_request_state", ignore_result=True)
def purge_expired_request_state() -> dict[str, int]:
    settings = get_settings()
    purged = purge_request_state(
        engine_for(settings.database_url), utcnow(), timedelta(hours=settings.idempotency_retention_hours)
    )
    return {"nonces": purged.nonces, "idempotency_records": purged.idempotency_records}
