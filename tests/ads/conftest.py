"""Fixtures of the ads suite: databases holding the ad tables, Redis with a private prefix, test data."""

from __future__ import annotations

import os
import secrets

import pytest
from redis import Redis
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from backend.ads.models import AdBatch, AdEvent, AdPublisherTally
from backend.db.base import metadata
from backend.db.scratch import scratch_database

AD_TABLES = [AdBatch.__table__, AdEvent.__table__, AdPublisherTally.__table__]


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'ads.db'}")
    metadata.create_all(engine, tables=AD_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_database():
    """A database of this test process's own, with the ad tables, dropped at the end of the session."""
    with scratch_database("ads") as database:
        engine = create_engine(database.url, poolclass=NullPool)
        try:
            metadata.create_all(engine, tables=AD_TABLES)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def postgres_engine(postgres_database):
    """The session's PostgreSQL database, emptied for each test (cheaper than a database per test)."""
    with postgres_database.begin() as connection:
        connection.exec_driver_sql(
            "TRUNCATE " + ", ".join(table.name for table in AD_TABLES) + " RESTART IDENTITY CASCADE"
        )
    return postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    """Each test using it runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def redis_client():
    client = Redis(host="127.0.0.1", port=6379)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client):
    """A key prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"tl:test:ads:{os.getpid()}:{secrets.token_hex(4)}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis_client.delete(*keys)
