from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from backend.db.base import metadata
from backend.db.migrate import alembic_config
from backend.settlement.models import (
    Settlement,
    SettlementBalance,
    SettlementCorrection,
    SettlementEvent,
    SettlementLeaves,
)

TABLES = {model.__tablename__ for model in (Settlement, SettlementEvent, SettlementLeaves, SettlementBalance,
                                            SettlementCorrection)}


def _ours(diff) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in TABLES or (isinstance(part, str) and part in TABLES):
            return True
    return False


def test_migration_0010_creates_exactly_the_settlement_tables_of_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = create_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010_settlement")
    with engine.connect() as connection:
        assert TABLES <= set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [diff for diff in compare_metadata(context, metadata) if _ours(diff)]
    assert differences == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_initial")
    with engine.connect() as connection:
        assert not TABLES & set(inspect(connection).get_table_names())
    engine.dispose()
