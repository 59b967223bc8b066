"""Throw-away databases holding the sender's and custody's tables (SQLite files, uniquely named PostgreSQL databases)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from backend.chain.nonces import SenderNonce
from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from backend.db.base import metadata
from backend.keys.models import CustodialKey

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
TABLES = [OutboxTransaction.__table__, SenderNonce.__table__, CustodialKey.__table__]


@contextmanager
def postgres_database(purpose: str) -> Iterator[str]:
    name = f"tl_{purpose}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
