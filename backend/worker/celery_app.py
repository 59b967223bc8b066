"""The Celery application.

With ``TRUSTLEDGER_BROKER_URL`` unset (embedded mode) tasks run eagerly in the calling
process, so the demo needs no broker; production sets a Redis broker and runs
``trustledger worker`` and ``trustledger beat`` as separate processes.
"""

from __future__ import annotations

from celery import Celery

from backend.core.config import Settings, get_settings

# Feature packages list their task modules here; beat entries go in BEAT_SCHEDULE.
TASK_MODULES: list[str] = [
    "backend.chain.sender.tasks",
    "backend.provenance.tasks",
    "backend.settlement.tasks",
    "backend.ads.tasks",
    "backend.identity.tasks",
]
BEAT_SCHEDULE: dict[str, dict] = {
    # A pass a second; `expires` drops passes a busy worker could not start in time instead of piling them up.
    "send-outbox": {"task": "backend.chain.sender.tasks.send_outbox", "schedule": 1.0, "options": {"expires": 5}},
    "anchor-events": {"task": "backend.provenance.tasks.anchor_events", "schedule": 30.0, "options": {"expires": 25}},
    "purge-ad-personal-data": {"task": "backend.ads.tasks.purge_personal_data", "schedule": 3600.0, "options": {"expires": 3000}},
    "purge-request-state": {
        "task": "backend.identity.tasks.purge_request_state", "schedule": 3600.0, "options": {"expires": 3000}
    },
    # Settlement once an epoch (a pass settles every epoch closed since the last); the keeper as often.
    "settle-campaigns": {
        "task": "backend.settlement.tasks.settle_due",
        "schedule": float(get_settings().epoch_seconds),
        "options": {"expires": get_settings().epoch_seconds},
    },
    "keep-settlements": {
        "task": "backend.settlement.tasks.keep",
        "schedule": float(get_settings().epoch_seconds),
        "options": {"expires": get_settings().epoch_seconds},
    },
}


def make_celery(settings: Settings) -> Celery:
    celery = Celery("trustledger", include=TASK_MODULES)
    embedded = settings.broker_url is None
    celery.conf.update(
        broker_url=settings.broker_url or "memory://",
        result_backend=None,
        task_always_eager=embedded,
        task_eager_propagates=embedded,
        # A task is acknowledged only after it ran, so a worker killed mid-task has it redelivered;
        # every task is written to be safe to run twice.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        beat_schedule=BEAT_SCHEDULE,
        timezone="UTC",
    )
    return celery


celery_app = make_celery(get_settings())

from backend.worker import process_signals  # noqa: E402,F401  (connects the logging and metrics hooks)
