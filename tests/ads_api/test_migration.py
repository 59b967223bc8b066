"""Migration 0009 creates exactly the signing-key table the model describes, and removes it."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.core.db import engine_for
from backend.db.base import metadata
from backend.db.migrate import alembic_config, upgrade_database
from tests.api.support import BOTH_DATABASES

TABLE = "ad_publisher_keys"


def _ours(difference) -> bool:
    return TABLE in repr(difference)


@BOTH_DATABASES
def test_migration_0009_matches_the_model_and_downgrades(database_url):
    upgrade_database(database_url)
    engine = engine_for(database_url)
    with engine.connect() as connection:
        assert TABLE in inspect(connection).get_table_names()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert [d for d in compare_metadata(context, metadata) if _ours(d)] == []
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009_ads_ingest@0001_initial")
    with engine.connect() as connection:
        assert TABLE not in inspect(connection).get_table_names()
