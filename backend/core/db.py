"""Database engine and sessions for the backend.

The caller owns the unit of work: services add and flush, the route or task that
started the work commits once at its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


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


@lru_cache(maxsize=8)
def engine_for(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        _enable_sqlite_concurrency(engine)
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def session_for(database_url: str) -> Iterator[Session]:
    with Session(engine_for(database_url)) as session:
        yield session
