"""Checks shared by the features' migration tests: a revision creates exactly its models' tables."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from backend.db.base import metadata
from backend.db.migrate import alembic_config


def touches(diff, tables: set[str]) -> bool:
    """Whether an Alembic autogenerate difference concerns one of `tables`."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in tables or (isinstance(part, str) and part in tables):
            return True
    return False


def differences(connection, tables: set[str]) -> list:
    """What the models of `tables` declare that the migrated database lacks, or the reverse."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, metadata) if touches(diff, tables)]


def assert_revision_creates_exactly(url: str, revision: str, tables: set[str]) -> None:
    """Upgrade a fresh SQLite database to `revision`, compare with the models, downgrade to the start."""
    engine = create_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    with engine.connect() as connection:
        assert tables <= set(inspect(connection).get_table_names())
        assert differences(connection, tables) == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_initial")
    with engine.connect() as connection:
        assert not tables & set(inspect(connection).get_table_names())
    engine.dispose()
