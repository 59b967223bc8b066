"""Retention of SIWE nonces and Idempotency-Key records: what is purged, what is kept, and what a purged key means."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.identity.models import IdempotencyRecord, IdempotencyState, SiweNonce, utcnow
from backend.identity.retention import NONCE_GRACE, purge_request_state
from backend.identity.roles import Role
from tests.api.support import BOTH_DATABASES
from tests.api.test_idempotency import approval, approve, pending  # noqa: F401  (fixture)

DAY = timedelta(hours=24)


def _nonces(session: Session, now, **expired_ago: timedelta) -> None:
    for name, ago in expired_ago.items():
        session.add(SiweNonce(nonce=name, issued_at=now - ago - timedelta(minutes=10), expires_at=now - ago))


def _records(session: Session, participant_id, now, **rows: tuple[IdempotencyState, timedelta]) -> None:
    for key, (state, ago) in rows.items():
        done = state == IdempotencyState.COMPLETED
        session.add(
            IdempotencyRecord(
                participant_id=participant_id, endpoint="POST /x", key=key, request_hash="0" * 64, state=state,
                claimed_at=now - ago, completed_at=now - ago if done else None, response_status=200 if done else None,
            )
        )


@BOTH_DATABASES
def test_purges_only_state_past_its_retention(api):
    owner = api.identity(Role.ADVERTISER)
    now = utcnow()
    engine = engine_for(api.settings.database_url)
    with Session(engine) as session:
        _nonces(
            session, now,
            old=NONCE_GRACE + timedelta(minutes=1), in_grace=NONCE_GRACE - timedelta(minutes=1), live=-timedelta(minutes=5),
        )
        _records(
            session, owner.participant_id, now,
            done_old=(IdempotencyState.COMPLETED, DAY + timedelta(minutes=1)),
            done_recent=(IdempotencyState.COMPLETED, DAY - timedelta(minutes=1)),
            crashed_old=(IdempotencyState.IN_PROGRESS, DAY + timedelta(minutes=1)),
            running=(IdempotencyState.IN_PROGRESS, timedelta(seconds=5)),
        )
        session.commit()

    purged = purge_request_state(engine, now, idempotency_retention=DAY)

    assert (purged.nonces, purged.idempotency_records) == (1, 2)
    with Session(engine) as session:
        assert set(session.exec(select(SiweNonce.nonce))) == {"in_grace", "live"}
        assert set(session.exec(select(IdempotencyRecord.key))) == {"done_recent", "running"}
    assert purge_request_state(engine, now, idempotency_retention=DAY) == purged.__class__(0, 0), "a second run is a no-op"


def test_a_backlog_larger_than_a_chunk_is_purged_completely(api):
    now = utcnow()
    engine = engine_for(api.settings.database_url)
    with Session(engine) as session:
        _nonces(session, now, **{f"n{index}": DAY for index in range(7)})
        session.commit()
    assert purge_request_state(engine, now, idempotency_retention=DAY, chunk=3).nonces == 7
    with Session(engine) as session:
        assert session.exec(select(SiweNonce)).first() is None


def test_a_purged_key_runs_as_a_new_request(api, admin_identity, pending):  # noqa: F811
    assert approve(api, admin_identity, pending.participant_id, approval(90), "k").status_code == 200
    reused = approve(api, admin_identity, pending.participant_id, approval(91), "k")
    assert reused.status_code == 409, "inside the retention the key is bound to its first request"

    engine = engine_for(api.settings.database_url)
    with Session(engine) as session:
        session.execute(update(IdempotencyRecord).values(completed_at=utcnow() - DAY - timedelta(minutes=1)))
        session.commit()
    assert purge_request_state(engine, utcnow(), idempotency_retention=DAY).idempotency_records == 1

    again = approve(api, admin_identity, pending.participant_id, approval(91), "k")
    # No longer bound to the first request: it reaches the endpoint, which refuses a second approval.
    assert again.status_code == 409 and again.json()["error"]["code"] == "participant_not_pending", again.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_the_purge_is_an_hourly_beat_task_using_the_retention_setting(api, monkeypatch):
    from backend.identity import tasks
    from backend.worker.celery_app import BEAT_SCHEDULE, TASK_MODULES, celery_app

    entry = BEAT_SCHEDULE["purge-request-state"]
    assert "backend.identity.tasks" in TASK_MODULES and entry["schedule"] == 3600.0
    assert entry["task"] in celery_app.tasks and tasks.purge_expired_request_state.name == entry["task"]

    owner = api.identity(Role.ADVERTISER)
    now = utcnow()
    engine = engine_for(api.settings.database_url)
    with Session(engine) as session:
        _records(session, owner.participant_id, now, two_hours=(IdempotencyState.COMPLETED, timedelta(hours=2)))
        session.commit()
    settings = api.settings.model_copy(update={"idempotency_retention_hours": 3})
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    assert tasks.purge_expired_request_state.apply().get() == {"nonces": 0, "idempotency_records": 0}
    monkeypatch.setattr(tasks, "get_settings", lambda: settings.model_copy(update={"idempotency_retention_hours": 1}))
    assert tasks.purge_expired_request_state.apply().get() == {"nonces": 0, "idempotency_records": 1}
