"""The PostgreSQL engine's pool: no ping on a connection used moments ago, a ping (and a
replacement when it fails) on one that rested, and recovery after the server drops it."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from backend.core import db
from backend.db.scratch import ADMIN_DSN, scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def database():
    with scratch_database("engine_pool") as database:
        yield database


@pytest.fixture
def pings(monkeypatch):
    """Every liveness ping the engine sends (the dialect's do_ping, still sent)."""
    sent = []

    def counting(self, dbapi_connection):
        sent.append(dbapi_connection)
        return original(self, dbapi_connection)

    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    original = PGDialect_psycopg.do_ping
    monkeypatch.setattr(PGDialect_psycopg, "do_ping", counting)
    return sent


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0] is True


def test_a_connection_used_moments_ago_is_not_pinged(database, pings):
    engine = db.engine_for(database.url)
    for _ in range(5):
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert pings == []
    assert engine.pool.checkedout() == 0 and engine.pool.size() == 10


def test_a_rested_connection_is_pinged_and_left_idle(database, pings, monkeypatch):
    engine = db.engine_for(database.url)
    first = _backend_pid(engine)
    monkeypatch.setattr(db.time, "monotonic", lambda: 1e12)  # long after the last check-in
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == first
        dbapi = connection.connection.dbapi_connection
    assert len(pings) == 1
    assert dbapi.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_rested_connection_the_server_dropped_is_replaced_before_use(database, pings, monkeypatch):
    engine = db.engine_for(database.url)
    dropped = _backend_pid(engine)
    _terminate(dropped)
    clock = [db.time.monotonic() + db.IDLE_PING_SECONDS + 1]
    monkeypatch.setattr(db.time, "monotonic", lambda: clock[0])
    with engine.connect() as connection:  # no error reaches the caller
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
    assert len(pings) == 1  # the dropped one; its replacement is fresh and not pinged


def test_a_connection_dropped_while_hot_fails_once_then_the_pool_reconnects(database, pings):
    engine = db.engine_for(database.url)
    dropped = _backend_pid(engine)
    _terminate(dropped)
    with pytest.raises(Exception) as raised, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert getattr(raised.value, "connection_invalidated", False) is True
    assert _backend_pid(engine) != dropped
    assert pings == []


def test_connections_are_recycled():
    engine = db.engine_for("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert engine.pool._recycle == db.POOL_RECYCLE_SECONDS
    assert engine.pool._pre_ping is False


def test_an_engine_without_durable_commits_sets_it_per_connection_and_the_default_keeps_them(database):
    durable, relaxed = db.engine_for(database.url), db.engine_for(database.url, durable_commits=False)
    assert durable is not relaxed and db.engine_for(database.url, durable_commits=True) is durable
    with relaxed.begin() as connection:
        assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
    with durable.begin() as connection:
        assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "on"


def test_sqlite_has_one_engine_either_way(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.db'}"
    assert db.engine_for(url, durable_commits=False) is db.engine_for(url)
