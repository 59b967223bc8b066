from __future__ import annotations

from backend.settlement.models import (
    Settlement,
    SettlementBalance,
    SettlementCorrection,
    SettlementEvent,
    SettlementLeaves,
    SettlementSignature,
)
from tests.migration_checks import assert_revision_creates_exactly

TABLES = {model.__tablename__ for model in (Settlement, SettlementEvent, SettlementLeaves, SettlementBalance,
                                            SettlementCorrection)}


def test_migrations_through_0013_create_exactly_the_settlement_tables_of_the_models(tmp_path):
    """0010 creates the tables; 0013 adds the revision a settlement's figures build on."""
    assert_revision_creates_exactly(f"sqlite:///{tmp_path / 'migrated.db'}", "0013_settlement_revision", TABLES)


def test_migration_0012_creates_the_signature_table_of_co_signed_settlements(tmp_path):
    assert_revision_creates_exactly(
        f"sqlite:///{tmp_path / 'migrated.db'}", "0012_settlement_cosigning", {SettlementSignature.__tablename__}
    )
