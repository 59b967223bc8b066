"""The credential cache: a repeated key costs no query, and revocation, suspension, a wrong
secret and expiry are still answered at once; a change made outside the process counts after the TTL."""

from datetime import timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.identity.api_keys import revoke_key
from backend.identity.credential_cache import credentials
from backend.identity.models import ApiKey, Participant, ParticipantStatus, utcnow
from backend.identity.roles import Role


@pytest.fixture
def key_queries(api):
    """How many statements read the api_key table."""
    count = [0]

    def seen(conn, cursor, statement, *args):
        if "FROM api_key" in statement:
            count[0] += 1

    engine = engine_for(api.settings.database_url)
    event.listen(engine, "before_cursor_execute", seen)
    yield count
    event.remove(engine, "before_cursor_execute", seen)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(credentials, "_clock", lambda: now[0])
    credentials.clear()
    yield now
    credentials.clear()


def me(api, headers):
    return api.client.get("/v1/participants/me", headers=headers)


def test_a_repeated_key_is_verified_once_per_ttl(api, key_queries, clock):
    caller = api.identity(Role.ADVERTISER)
    for _ in range(5):
        answer = me(api, caller.headers)
        assert answer.status_code == 200 and answer.json()["id"] == str(caller.participant_id)
    assert key_queries[0] == 1
    clock[0] += credentials.ttl_s
    assert me(api, caller.headers).status_code == 200
    assert key_queries[0] == 2


def test_revocation_and_suspension_in_this_process_count_at_once(api, clock):
    caller, other = api.identity(Role.ADVERTISER), api.identity(Role.PUBLISHER)
    assert me(api, caller.headers).status_code == 200 and me(api, other.headers).status_code == 200
    with Session(engine_for(api.settings.database_url)) as session:
        revoke_key(session.exec(select(ApiKey).where(ApiKey.prefix == caller.key.split("_")[1])).one())
        session.commit()
        participant = session.get(Participant, other.participant_id)
        participant.status = ParticipantStatus.SUSPENDED
        session.commit()
    refused = me(api, caller.headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "credential_revoked"
    suspended = me(api, other.headers)
    assert suspended.status_code == 403 and suspended.json()["error"]["code"] == "participant_suspended"


def test_revocation_through_the_api_counts_at_once(api, clock):
    caller = api.identity(Role.ADVERTISER)
    created = api.client.post("/v1/auth/api-keys", json={"label": "job"}, headers=caller.headers).json()
    second = {"X-API-Key": created["key"]}
    assert me(api, second).status_code == 200
    assert api.client.delete(f"/v1/auth/api-keys/{created['id']}", headers=caller.headers).status_code == 200
    assert me(api, second).status_code == 401


def test_a_wrong_secret_or_a_passed_expiry_is_refused_from_the_cache_too(api, clock):
    caller = api.identity(Role.ADVERTISER)
    with Session(engine_for(api.settings.database_url)) as session:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == caller.key.split("_")[1])).one()
        row.expires_at = utcnow() + timedelta(hours=1)
        session.commit()
    assert me(api, caller.headers).status_code == 200  # cached now
    scheme, prefix, secret = caller.key.split("_", 2)
    forged = me(api, {"Authorization": f"Bearer {scheme}_{prefix}_{secret[:-2]}xx"})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_credentials"
    api.clock.fixed = utcnow() + timedelta(hours=2)
    expired = me(api, caller.headers)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "credential_expired"


def test_a_change_made_outside_the_process_counts_after_the_ttl(api, clock):
    caller = api.identity(Role.ADVERTISER)
    assert me(api, caller.headers).status_code == 200
    with engine_for(api.settings.database_url).begin() as connection:  # no ORM flush: as another process
        connection.execute(text("UPDATE api_key SET revoked_at = :at"), {"at": utcnow()})
    assert me(api, caller.headers).status_code == 200, "within the TTL"
    clock[0] += credentials.ttl_s
    assert me(api, caller.headers).status_code == 401
