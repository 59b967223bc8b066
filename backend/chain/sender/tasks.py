"""Celery entry point of the sender. Beat runs a pass every second; passes may overlap safely."""

from __future__ import annotations

from functools import lru_cache

from backend.chain.sender.runner import Sender
from backend.core.config import get_settings
from backend.worker.celery_app import celery_app


@lru_cache(maxsize=1)
def _sender() -> Sender:
    # One per worker process: keeps the HTTP connection to the node and the chain id.
    return Sender(get_settings())


@celery_app.task(name="backend.chain.sender.tasks.send_outbox", ignore_result=True)
def send_outbox() -> int:
    """One pass over the outbox (it opens its own sessions); returns rows changed."""
    return _sender().run_once()
