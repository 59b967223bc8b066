from __future__ import annotations

from tests.ads.conftest import AD_TABLES
from tests.migration_checks import assert_revision_creates_exactly

AD_TABLE_NAMES = {table.name for table in AD_TABLES}


def test_migration_0005_creates_exactly_the_ad_tables_of_the_models(tmp_path):
    assert_revision_creates_exactly(f"sqlite:///{tmp_path / 'migrated.db'}", "0005_ads", AD_TABLE_NAMES)
