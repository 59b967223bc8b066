"""A throwaway PostgreSQL database for a benchmark, on the machine's server (127.0.0.1:5432, trust
auth): named for the bench and the process, created, migrated (the backend's tables and the
indexer's mirror, as `trustledger api` and `trustledger index run` would), dropped at the end."""

from __future__ import annotations

import os
import secrets

import psycopg

from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from indexer.database import make_engine
from indexer.database import migrate as migrate_mirror

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def new_name(bench: str) -> str:
    return f"tl_bench_{bench}_{os.getpid()}_{secrets.token_hex(3)}"


def url_of(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def create(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def migrate(url: str) -> None:
    """The backend's schema and the mirror's, then the engine's connections closed."""
    upgrade_database(url)
    mirror = make_engine(url)
    migrate_mirror(mirror)
    mirror.dispose()
    engine_for(url).dispose()


def drop(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
