"""Bring the backend's tables to the newest migration of its one-line history.

Until issue 12 the features' migrations branched from 0001_initial and a merge revision
(0011_merge_features) joined them. A database migrated then holds, in its version table,
one row per branch tip or the merge's id, which the linear history cannot read. Before
upgrading, ``carry_over_branched_history`` rewrites such a table as the one row of the
linear history, applying first whatever revision the branches had not reached (the
features' migrations are independent, so the order they ran in does not matter). A
single row naming a revision of the linear history is read as that history's; with
``upgrade_database`` every database of the branched era was at all its heads, and such a
row then meant the same set of applied migrations in both histories.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from backend.core.db import engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_backend"

# The branched history: each revision's parents (down_revision, then depends_on).
BRANCHED_HISTORY: dict[str, tuple[str, ...]] = {
    "0001_initial": (),
    "0002_sender_and_keys": ("0001_initial",),
    "0003_identity": ("0001_initial",),
    "0004_provenance": ("0001_initial", "0003_identity"),
    "0005_ads": ("0001_initial",),
    "0006_provenance_indexes": ("0004_provenance",),
    "0007_consent": ("0001_initial", "0003_identity"),
    "0008_campaigns": ("0001_initial", "0003_identity"),
    "0009_ads_ingest": ("0001_initial", "0003_identity"),
    "0010_settlement": ("0001_initial", "0003_identity"),
    "0011_merge_features": (
        "0002_sender_and_keys",
        "0005_ads",
        "0006_provenance_indexes",
        "0007_consent",
        "0008_campaigns",
        "0009_ads_ingest",
        "0010_settlement",
        "0003_identity",
    ),
    "0012_settlement_cosigning": ("0011_merge_features",),
    "0013_settlement_revision": ("0012_settlement_cosigning",),
}


class UnknownMigrationStamp(RuntimeError):
    """The version table names a revision neither history has: a newer release's database, or a foreign one."""

    def __init__(self, revisions: list[str]):
        self.revisions = revisions
        super().__init__(f"{VERSION_TABLE} names revisions this release does not know: {', '.join(revisions)}")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def applied_in_branched_history(stamps: set[str]) -> set[str]:
    """Every revision the branched history had applied to a database whose version table holds `stamps`."""
    unknown = sorted(stamps - BRANCHED_HISTORY.keys())
    if unknown:
        raise UnknownMigrationStamp(unknown)
    applied: set[str] = set()
    pending = list(stamps)
    while pending:
        revision = pending.pop()
        if revision not in applied:
            applied.add(revision)
            pending.extend(BRANCHED_HISTORY[revision])
    return applied


def _stamps(connection: Connection) -> set[str]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def carry_over_branched_history(connection: Connection, config: Config) -> bool:
    """Rewrite a version table of the branched history as the linear one's; False when there was nothing to do."""
    stamps = _stamps(connection)
    line = [revision.revision for revision in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    if not stamps or (len(stamps) == 1 and stamps <= set(line)):
        return False
    applied = applied_in_branched_history(stamps)
    last_applied = max(i for i, revision in enumerate(line) if revision in applied)
    config.attributes["connection"] = connection
    for revision in line[: last_applied + 1]:
        if revision in applied:
            command.stamp(config, revision, purge=True)
        else:
            command.upgrade(config, revision)
    return True


def upgrade_database(database_url: str) -> None:
    """Apply every pending migration, after carrying a database of the branched history over."""
    config = alembic_config(database_url)
    with engine_for(database_url).begin() as connection:
        config.attributes["connection"] = connection
        carry_over_branched_history(connection, config)
        command.upgrade(config, "head")
