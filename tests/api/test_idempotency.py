"""Idempotency-Key on a state-changing endpoint (participant approval): replay, conflicts, races, failures."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import APIRouter
from sqlalchemy import update
from sqlmodel import Session, select

from backend.api.auth import require_roles
from backend.api.deps import SessionDep
from backend.api.idempotency import idempotent
from backend.core.db import engine_for
from backend.identity.models import IdempotencyRecord, IdempotencyState, Participant, ParticipantStatus, utcnow
from backend.identity.ports import outbox_enqueue
from backend.identity.roles import Role
from tests.api.support import BOTH_DATABASES, RecordingOutbox


def approval(days: int = 90, *roles: str) -> dict:
    return {"roles": list(roles or ["advertiser"]), "kyc_expires_at": (utcnow() + timedelta(days=days)).isoformat()}


@pytest.fixture
def pending(api):
    return api.identity(Role.ADVERTISER, status=ParticipantStatus.PENDING)


def approve(api, admin, participant_id, body: dict, key: str | None):
    headers = {**admin.headers, **({"Idempotency-Key": key} if key else {})}
    return api.client.post(f"/v1/participants/{participant_id}/approve", json=body, headers=headers)


def records(api) -> list[IdempotencyRecord]:
    with Session(engine_for(api.settings.database_url)) as session:
        return list(session.exec(select(IdempotencyRecord)))


@BOTH_DATABASES
def test_a_replay_returns_the_first_response_and_does_nothing_again(api, admin_identity, pending):
    body = approval()
    first = approve(api, admin_identity, pending.participant_id, body, "approve-1")
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    replay = approve(api, admin_identity, pending.participant_id, dict(reversed(list(body.items()))), "approve-1")
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content
    assert len(api.outbox.calls) == 2, "setRoles + setKyc queued once"
    (record,) = records(api)
    assert record.state == IdempotencyState.COMPLETED and record.response_status == 200
    assert record.endpoint == "POST /participants/{participant_id}/approve"


def test_the_same_key_with_another_request_is_409(api, admin_identity, pending):
    assert approve(api, admin_identity, pending.participant_id, approval(90), "k").status_code == 200
    other_body = approve(api, admin_identity, pending.participant_id, approval(91), "k")
    assert other_body.status_code == 409 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    another = api.identity(Role.PUBLISHER, status=ParticipantStatus.PENDING)
    other_path = approve(api, admin_identity, another.participant_id, approval(90), "k")
    assert other_path.status_code == 409 and other_path.json()["error"]["code"] == "idempotency_key_reused"
    assert len(api.outbox.calls) == 2


def test_keys_are_scoped_to_the_participant(api, admin_identity, pending):
    second_admin = api.identity(Role.ADMIN)
    another = api.identity(Role.ADVERTISER, status=ParticipantStatus.PENDING)
    assert approve(api, admin_identity, pending.participant_id, approval(), "shared").status_code == 200
    theirs = approve(api, second_admin, another.participant_id, approval(), "shared")
    assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers
    assert len(records(api)) == 2


def test_the_key_is_required_and_validated(api, admin_identity, pending):
    missing = approve(api, admin_identity, pending.participant_id, approval(), None)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["location"] == ["header", "Idempotency-Key"]
    too_long = approve(api, admin_identity, pending.participant_id, approval(), "x" * 256)
    assert too_long.status_code == 422
    assert api.outbox.calls == [] and records(api) == []


def test_a_failed_request_stores_nothing_and_the_key_can_be_retried(api, admin_identity, pending):
    failed = approve(api, admin_identity, pending.participant_id, approval(-1), "retry")
    assert failed.status_code == 422 and failed.json()["error"]["code"] == "kyc_expiry_in_past"
    assert records(api) == []
    fixed = approve(api, admin_identity, pending.participant_id, approval(30), "retry")
    assert fixed.status_code == 200 and "idempotent-replayed" not in fixed.headers


class BlockingOutbox(RecordingOutbox):
    """Holds the first request inside the endpoint until released."""

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, session, **call):
        self.entered.set()
        assert self.release.wait(20), "test never released the outbox"
        return super().__call__(session, **call)


@BOTH_DATABASES
def test_a_concurrent_duplicate_is_409_while_the_first_is_in_flight(api, admin_identity, pending):
    blocking = BlockingOutbox()
    api.app.dependency_overrides[outbox_enqueue] = lambda: blocking
    body = approval()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(approve, api, admin_identity, pending.participant_id, body, "race")
        assert blocking.entered.wait(20)
        duplicate = approve(api, admin_identity, pending.participant_id, body, "race")
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["code"] == "idempotency_request_in_progress"
        blocking.release.set()
        assert first.result(30).status_code == 200
    replay = approve(api, admin_identity, pending.participant_id, body, "race")
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert len(blocking.calls) == 2


def test_a_stale_claim_is_taken_over_and_its_holder_cannot_commit(api, admin_identity, pending):
    """A claim older than the lease (its process presumably died) is taken over; if the old
    holder was only slow, its completion no longer matches and its work rolls back."""
    blocking = BlockingOutbox()
    api.app.dependency_overrides[outbox_enqueue] = lambda: blocking
    body = approval()
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(approve, api, admin_identity, pending.participant_id, body, "lease")
        assert blocking.entered.wait(20)
        with Session(engine_for(api.settings.database_url)) as session:
            session.execute(update(IdempotencyRecord).values(claimed_at=utcnow() - timedelta(minutes=3)))
            session.commit()
        api.app.dependency_overrides[outbox_enqueue] = lambda: api.outbox
        takeover = approve(api, admin_identity, pending.participant_id, body, "lease")
        assert takeover.status_code == 200 and "idempotent-replayed" not in takeover.headers
        blocking.release.set()
        late = slow.result(30)
    assert late.status_code == 409 and late.json()["error"]["code"] == "idempotency_request_in_progress"
    (record,) = records(api)
    assert record.state == IdempotencyState.COMPLETED
    assert record.response_body == takeover.text
    with Session(engine_for(api.settings.database_url)) as session:
        assert session.get(Participant, pending.participant_id).status == "approved"


def test_an_endpoint_that_commits_by_itself_is_a_programming_error(api, admin_identity):
    router = APIRouter()

    @router.post("/test-only/commits", dependencies=[require_roles(Role.ADMIN)])
    @idempotent
    def commits(session: SessionDep) -> dict:
        session.commit()
        return {"done": True}

    @router.post("/test-only/optional", dependencies=[require_roles(Role.ADMIN)], status_code=201)
    @idempotent(required=False)
    def optional() -> dict:
        return {"done": True}

    @router.post("/test-only/empty", dependencies=[require_roles(Role.ADMIN)], status_code=204)
    @idempotent
    def empty() -> None:
        return None

    api.app.include_router(router)
    broken = api.client.post("/test-only/commits", headers={**admin_identity.headers, "Idempotency-Key": "c"})
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "internal_error"
    assert records(api) == [], "the claim is released"

    plain = api.client.post("/test-only/optional", headers=admin_identity.headers)
    assert plain.status_code == 201 and plain.json() == {"done": True}
    keyed = api.client.post("/test-only/optional", headers={**admin_identity.headers, "Idempotency-Key": "o"})
    again = api.client.post("/test-only/optional", headers={**admin_identity.headers, "Idempotency-Key": "o"})
    assert keyed.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    for attempt in range(2):
        no_content = api.client.post("/test-only/empty", headers={**admin_identity.headers, "Idempotency-Key": "e"})
        assert no_content.status_code == 204 and no_content.content == b""
