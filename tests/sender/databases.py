"""Throw-away databases holding the sender's and custody's tables (SQLite files, uniquely named PostgreSQL databases)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


from backend.chain.nonces import SenderNonce
from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from backend.db.base import metadata
from backend.db.scratch import scratch_database
from backend.keys.models import CustodialKey

TABLES = [OutboxTransaction.__table__, SenderNonce.__table__, CustodialKey.__table__]


@contextmanager
def postgres_database(purpose: str) -> Iterator[str]:
    with scratch_database(purpose) as database:
        yield database.url


@contextmanager
def database(kind: str, directory: Path, purpose: str = "sender") -> Iterator[str]:
    """A database of `kind` ("sqlite" or "postgres") with only this area's tables created.

    The full migration history is exercised by test_migration; creating just these tables
    keeps the suite independent of other features' migrations.
    """
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'{purpose}.db'}"
        metadata.create_all(engine_for(url), tables=TABLES)
        yield url
        engine_for(url).dispose()
        return
    with postgres_database(purpose) as url:
        metadata.create_all(engine_for(url), tables=TABLES)
        yield url
