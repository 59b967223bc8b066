"""Database engine and sessions for the backend.

The caller owns the unit of work: services add and flush, the route or task that
started the work commits once at its end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

# A pooled connection is replaced after this long, before any server or proxy idle timeout.
POOL_RECYCLE_SECONDS = 1800
# A connection back from the pool after resting longer than this is pinged before use; one
# used more recently is not. `pool_pre_ping` pinged on every checkout: a round trip (and a
# BEGIN) per request: 0.9 ms of server CPU per data read (scripts/bench/consent_check.py).
IDLE_PING_SECONDS = 10.0


def _enable_sqlite_concurrency(engine: Engine) -> None:
    # WAL lets the indexer write while the API reads; the busy timeout waits for a
    # writer instead of failing with "database is locked".
    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def engine_for(database_url: str, *, durable_commits: bool = True) -> Engine:
    """The process's engine for `database_url`.

    ``durable_commits=False``: PostgreSQL connections whose commits do not wait for their WAL
    flush (``synchronous_commit=off`` from connect), for writes that may be lost in the last
    fraction of a second before a crash but never corrupt anything; set once per connection
    instead of a ``SET LOCAL`` round trip per transaction. Elsewhere the same engine as ever.
    """
    if not durable_commits and _is_sqlite(database_url):
        durable_commits = True  # one engine per SQLite file (and the same in-memory database)
    return _engine(database_url, durable_commits)


@lru_cache(maxsize=8)
def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"  # parsing the URL per call cost 30 µs a page


@lru_cache(maxsize=8)
def _engine(database_url: str, durable_commits: bool) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        _enable_sqlite_concurrency(engine)
        return engine
    connect_args = {} if durable_commits else {"options": "-c synchronous_commit=off"}
    engine = create_engine(
        database_url, pool_size=10, max_overflow=20, pool_recycle=POOL_RECYCLE_SECONDS, connect_args=connect_args
    )
    _ping_after_rest(engine, IDLE_PING_SECONDS)
    return engine


def _ping_after_rest(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling where disconnects happen: on connections that rested.

    A connection that fails its ping raises DisconnectionError, so the pool discards it and
    checks out another (SQLAlchemy's documented recipe). A disconnect met mid-use instead
    (the server restarted within `idle_seconds` of the last use) fails that one statement
    and invalidates the whole pool, so the requests after it reconnect.
    """

    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_connection, record):
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_connection, record, _proxy):
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in <= idle_seconds:
            return  # just connected, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping opened a transaction; leave the connection idle
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") from error


def session_for(database_url: str) -> Iterator[Session]:
    with Session(engine_for(database_url)) as session:
        yield session
