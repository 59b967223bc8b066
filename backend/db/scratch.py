"""Throw-away PostgreSQL databases for tests and benchmarks: uniquely named, dropped afterwards.

The tests and benchmarks that exercise the PostgreSQL path each get a database of their own
on the machine's server (trust auth), so parallel test workers and a benchmark never share
tables. The drop forces out connections still open, after the backend's cached engine for
the URL has been disposed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from backend.core.db import engine_for

SERVER = "postgres@127.0.0.1:5432"
ADMIN_DSN = f"postgresql://{SERVER}/test"  # any existing database to issue CREATE / DROP from


@dataclass(frozen=True)
class ScratchDatabase:
    name: str

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3)."""
        return f"postgresql+psycopg://{SERVER}/{self.name}"

    @property
    def dsn(self) -> str:
        """libpq connection string, for psycopg directly."""
        return f"postgresql://{SERVER}/{self.name}"


@contextmanager
def scratch_database(purpose: str) -> Iterator[ScratchDatabase]:
    """A new database named ``tl_<purpose>_<pid>_<random>``, dropped when the block ends."""
    database = ScratchDatabase(f"tl_{purpose}_{os.getpid()}_{secrets.token_hex(4)}")
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database.name}"')
    try:
        yield database
    finally:
        engine_for(database.url).dispose()
        engine_for(database.url, durable_commits=False).dispose()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
