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


def test_migration_0010_creates_exactly_the_settlement_tables_of_the_models(tmp_path):
    assert_revision_creates_exactly(f"sqlite:///{tmp_path / 'migrated.db'}", "0010_settlement", TABLES)


def test_migration_0012_creates_the_signature_table_of_co_signed_settlements(tmp_path):
    assert_revision_creates_exactly(
        f"sqlite:///{tmp_path / 'migrated.db'}", "0012_settlement_cosigning", {SettlementSignature.__tablename__}
    )
