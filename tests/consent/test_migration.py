"""Migration 0007 creates exactly the consent tables the models describe, and removes them again."""

from alembic import command
from sqlalchemy import inspect

from backend.consent import models
from backend.core.db import engine_for
from backend.db.migrate import alembic_config
from tests.api.support import BOTH_DATABASES
from tests.migration_checks import differences

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


@BOTH_DATABASES
def test_migration_0007_matches_the_models(database_url):
    engine = engine_for(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_consent")
    with engine.connect() as connection:
        assert CONSENT_TABLES <= set(inspect(connection).get_table_names())
        assert differences(connection, CONSENT_TABLES) == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_consent-1")
    with engine.connect() as connection:
        assert not CONSENT_TABLES & set(inspect(connection).get_table_names())
