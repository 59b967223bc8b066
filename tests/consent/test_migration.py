"""Migration 0007 creates exactly the consent tables the models describe, and removes them again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.consent import models
from backend.core.db import engine_for
from backend.db.base import metadata
from backend.db.migrate import alembic_config
from tests.api.support import BOTH_DATABASES

CONSENT_TABLES = {
    model.__tablename__
    for model in (
        models.ConsentSubject,
        models.ConsentPairwise,
        models.SubjectSession,
        models.ConsentWithdrawal,
        models.ConsentAccess,
        models.OfferPublication,
    )
}


def _ours(diff) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in CONSENT_TABLES or (isinstance(part, str) and part in CONSENT_TABLES):
            return True
    return False


@BOTH_DATABASES
def test_migration_0007_matches_the_models(database_url):
    engine = engine_for(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_consent")
    with engine.connect() as connection:
        assert CONSENT_TABLES <= set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert [diff for diff in compare_metadata(context, metadata) if _ours(diff)] == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_consent-1")
    with engine.connect() as connection:
        assert not CONSENT_TABLES & set(inspect(connection).get_table_names())
