"""Migration 0003 creates exactly the identity tables the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend.core.db import engine_for
from backend.db.base import metadata
from backend.db.migrate import upgrade_database
from tests.api.support import BOTH_DATABASES

IDENTITY_TABLES = {"participant", "api_key", "siwe_nonce", "idempotency_record"}


def _table_of(difference) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if isinstance(part, str) and part in IDENTITY_TABLES:
            return part
        if name in IDENTITY_TABLES:
            return name
    return None


@BOTH_DATABASES
def test_migrated_schema_matches_the_models(database_url):
    upgrade_database(database_url)
    with engine_for(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        tables = set(connection.dialect.get_table_names(connection))
    assert IDENTITY_TABLES <= tables
    ours = [d for d in differences if _table_of(d) in IDENTITY_TABLES]
    assert ours == []
