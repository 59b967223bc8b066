"""Each database has one line of migrations, and a database of the old branched history is carried over.

The backend's history branched from 0001_initial per feature and joined at the merge
revision 0011_merge_features; it is now one line 0001 -> ... -> 0010 -> 0012 -> 0013 with
the revision ids kept. A database built by the branched history (the real migration
code, run by Alembic over the old graph, see ``tests/legacy_migration_history.py``) is
carried over by ``upgrade_database`` with its rows intact, wherever it stood: at today's
head, at the merge, at the branch tips before the merge, or with a branch missing.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.db import models  # noqa: F401  (registers every backend table on `metadata`)
from backend.db.base import metadata
from backend.db.migrate import (
    BRANCHED_HISTORY,
    MIGRATIONS_DIR,
    VERSION_TABLE,
    UnknownMigrationStamp,
    alembic_config,
    carry_over_branched_history,
    upgrade_database,
)
from backend.db.scratch import scratch_database
from indexer import database as indexer_database
from indexer.models import mirror_metadata
from tests.legacy_migration_history import (
    BRANCHED_COMMIT,
    BRANCHED_HEADS,
    MERGE_REVISION,
    branched_config,
    branched_scripts,
    branched_version_file,
)

# The last revision of the branched history (an old database may be stamped with it) and
# today's head of the line, which later revisions extend.
OLD_HEAD = "0013_settlement_revision"
HEAD = "0015_epcis_rest"
LINE = [
    "0001_initial",
    "0002_sender_and_keys",
    "0003_identity",
    "0004_provenance",
    "0005_ads",
    "0006_provenance_indexes",
    "0007_consent",
    "0008_campaigns",
    "0009_ads_ingest",
    "0010_settlement",
    "0012_settlement_cosigning",
    "0013_settlement_revision",
    "0014_epcis_vocabulary",
    "0015_epcis_rest",
]
BRANCHED = list(BRANCHED_HEADS)

# Where a database of the branched history may stand, as `upgrade heads` left it then.
BRANCHED_STATES = {
    "at today's head": (BRANCHED, {OLD_HEAD}),
    "at the merge": (BRANCHED[:11], {"0011_merge_features"}),
    "at the branch tips": (
        BRANCHED[:10],
        {"0002_sender_and_keys", "0005_ads", "0006_provenance_indexes", "0007_consent", "0008_campaigns",
         "0009_ads_ingest", "0010_settlement"},
    ),
    # 0010 landed before 0009 was written: the line has a hole the carry-over must fill.
    "with 0009 not yet written": (
        BRANCHED[:8] + ["0010_settlement"],
        {"0002_sender_and_keys", "0005_ads", "0006_provenance_indexes", "0007_consent", "0008_campaigns",
         "0010_settlement"},
    ),
}

DATABASES = pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])

MOMENT = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
PARTICIPANT = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab")


@pytest.fixture
def new_database(tmp_path):
    """A factory of empty databases of a dialect, each dropped at the end."""
    with ExitStack() as stack:

        def make(dialect: str, name: str) -> str:
            if dialect == "sqlite":
                return f"sqlite:///{tmp_path / name}.db"
            return stack.enter_context(scratch_database(name)).url

        yield make


def indexer_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(indexer_database.MIGRATIONS_DIR))
    return config


def _stamps(url: str, table: str = VERSION_TABLE) -> set[str]:
    with sa.create_engine(url).connect() as connection:
        return set(connection.execute(sa.text(f"SELECT version_num FROM {table}")).scalars())


def _printed(config: Config, run) -> str:
    config.stdout = io.StringIO()
    run(config)
    return config.stdout.getvalue()


# --- the shape of each history ------------------------------------------------------------


@pytest.mark.parametrize("config", [alembic_config("sqlite://"), indexer_config()], ids=["backend", "indexer"])
def test_each_script_directory_is_one_line_with_one_head_and_no_merge(config):
    script = ScriptDirectory.from_config(config)
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    assert _printed(config, lambda c: command.heads(c)).count("(head)") == 1
    assert [r for r in revisions if r.is_merge_point or r.dependencies or r.branch_labels] == []
    # From the head down each revision names exactly the one before it, and the line visits every file.
    line, revision = [], script.get_revision(script.get_current_head())
    while revision is not None:
        line.append(revision.revision)
        assert not isinstance(revision.down_revision, (tuple, list))
        revision = script.get_revision(revision.down_revision) if revision.down_revision else None
    assert sorted(line) == sorted(r.revision for r in revisions)
    numbers = [int(re.match(r"\d+", _file_name(script, r)).group()) for r in reversed(line)]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def _file_name(script: ScriptDirectory, revision: str) -> str:
    return Path(script.get_revision(revision).path).name


def test_the_backend_line_is_one_line_from_0001_without_the_merge():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == LINE
    assert not (MIGRATIONS_DIR / "versions" / "0011_merge_features.py").exists()


# --- from empty ---------------------------------------------------------------------------


@DATABASES
def test_the_backend_upgrades_from_empty_to_its_head_and_back(dialect, new_database):
    url = new_database(dialect, "empty_backend")
    upgrade_database(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_heads() == (
            HEAD,
        )
        assert set(metadata.tables) <= set(sa.inspect(connection).get_table_names())
    config = alembic_config(url)
    assert _printed(config, lambda c: command.current(c)).split() == [HEAD, "(head)"]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) == {VERSION_TABLE}
    upgrade_database(url)
    assert _stamps(url) == {HEAD}
    engine.dispose()


@DATABASES
def test_the_indexer_upgrades_from_empty_to_its_head(dialect, new_database):
    url = new_database(dialect, "empty_indexer")
    head = ScriptDirectory.from_config(indexer_config()).get_current_head()
    engine = indexer_database.make_engine(url)
    indexer_database.migrate(engine)
    indexer_database.migrate(engine)  # idempotent
    with engine.connect() as connection:
        assert set(mirror_metadata.tables) <= set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert _stamps(url, indexer_database.VERSION_TABLE) == {head}


# --- carried over from the branched history -----------------------------------------------


def _tables(connection) -> dict[str, sa.Table]:
    """The models' tables as the database has them: only the columns it has (a later revision may add some)."""
    inspector = sa.inspect(connection)
    tables = {}
    for name in inspector.get_table_names():
        if name not in metadata.tables:
            continue
        present = {column["name"] for column in inspector.get_columns(name)}
        model = metadata.tables[name]
        tables[name] = sa.Table(name, sa.MetaData(), *(c._copy() for c in model.columns if c.name in present))
    return tables


def _fill(connection) -> None:
    """Rows in tables of four revisions, one of which (settlements) a later revision alters."""
    tables = _tables(connection)
    connection.execute(
        sa.insert(tables["sender_nonces"]), [{"sender": "0x" + "11" * 20, "next_nonce": 7, "updated_at": MOMENT}]
    )
    connection.execute(
        sa.insert(tables["participant"]),
        [
            {"id": PARTICIPANT, "display_name": "Acme Oils", "roles": 3, "requested_roles": 0,
             "chain_address": "0x" + "22" * 20, "custody_mode": "custodial", "status": "approved",
             "created_at": MOMENT, "approved_at": MOMENT},
        ],
    )
    connection.execute(
        sa.insert(tables["ad_publisher_tallies"]),
        [
            {"campaign_id": campaign, "publisher": "0x" + "33" * 20, "impressions": 1000 * campaign, "clicks": 12,
             "conversions": 1, "earned": 5_000_000 * campaign, "bonus_paid": campaign == 2, "day": 20_412,
             "day_amount": 700, "day_impressions": 90, "day_clicks": 3, "day_conversions": 0, "day_closed": False}
            for campaign in (1, 2, 3)
        ],
    )
    connection.execute(
        sa.insert(tables["settlements"]),
        [
            {"escrow_address": "0x" + "44" * 20, "campaign_id": 2, "epoch": epoch, "events_root": bytes([epoch]) * 32,
             "balance_root": bytes([epoch + 1]) * 32, "cumulative_spent": 10**24 + epoch, "billed_amount": 10**18,
             "event_count": 40, "priced_count": 39, "signatures": b"\x01" * 65, "status": "committed",
             "created_at": MOMENT}
            for epoch in (1, 2)
        ],
    )


def _rows(connection, columns_of: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of every table, in the columns it had before the carry-over, in key order."""
    tables = _tables(connection)
    rows = {}
    for name, columns in columns_of.items():
        table = tables[name]
        selected = [table.c[column] for column in columns]
        key = list(table.primary_key.columns) or selected
        rows[name] = [tuple(row) for row in connection.execute(sa.select(*selected).order_by(*key))]
    return rows


def _schema(connection) -> dict[str, tuple[set[str], set[str | None]]]:
    inspector = sa.inspect(connection)
    return {
        name: ({c["name"] for c in inspector.get_columns(name)}, {i["name"] for i in inspector.get_indexes(name)})
        for name in inspector.get_table_names()
    }


@pytest.mark.parametrize("state", list(BRANCHED_STATES))
@DATABASES
def test_a_database_of_the_branched_history_is_carried_over_without_loss(dialect, state, new_database, tmp_path):
    revisions, stamped = BRANCHED_STATES[state]
    url = new_database(dialect, "branched")
    engine = sa.create_engine(url)
    old = branched_config(branched_scripts(tmp_path / "branched", revisions), url)
    with engine.begin() as connection:
        old.attributes["connection"] = connection
        command.upgrade(old, "heads")
        _fill(connection)
    assert _stamps(url) == stamped
    with engine.connect() as connection:
        columns_of = {name: [c.name for c in table.columns] for name, table in _tables(connection).items()}
        before = _rows(connection, columns_of)
    assert sum(map(len, before.values())) == 7

    upgrade_database(url)

    with engine.connect() as connection:
        assert _rows(connection, columns_of) == before
        carried = _schema(connection)
        revision = sa.select(_tables(connection)["settlements"].c.revision)
        assert connection.execute(revision).scalars().all() == [0, 0]  # 0013's column, filled by its default
    assert _stamps(url) == {HEAD}
    config = alembic_config(url)
    assert _printed(config, lambda c: command.heads(c)).split() == [HEAD, "(head)"]
    assert _printed(config, lambda c: command.current(c)).split() == [HEAD, "(head)"]
    with engine.connect() as connection:  # a second start finds nothing to carry over and loses nothing
        assert carry_over_branched_history(connection, config) is False
    upgrade_database(url)
    with engine.connect() as connection:
        assert _rows(connection, columns_of) == before
    engine.dispose()

    fresh = new_database(dialect, "fresh")
    upgrade_database(fresh)
    fresh_engine = sa.create_engine(fresh)
    with fresh_engine.connect() as connection:
        assert carried == _schema(connection)
    fresh_engine.dispose()


def test_a_version_table_naming_an_unknown_revision_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'future.db'}"
    upgrade_database(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0099_from_a_newer_release'"))
    with pytest.raises(UnknownMigrationStamp) as refused:
        upgrade_database(url)
    assert refused.value.revisions == ["0099_from_a_newer_release"]
    assert _stamps(url) == {"0099_from_a_newer_release"}  # left as it was
    engine.dispose()


# --- the rebuilt branched history is the real one -----------------------------------------


def test_the_carry_over_reads_the_same_branched_graph_as_the_rebuilt_files():
    def parents(heads):
        down, depends = heads
        as_tuple = lambda value: () if value is None else ((value,) if isinstance(value, str) else tuple(value))  # noqa: E731
        return as_tuple(down) + as_tuple(depends)

    assert BRANCHED_HISTORY == {revision: parents(heads) for revision, heads in BRANCHED_HEADS.items()}


def _without_docstring(text: str) -> str:
    module = ast.parse(text)
    body = module.body[1:] if isinstance(module.body[0], ast.Expr) else module.body
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _git_show(path: str) -> str | None:
    try:
        shown = subprocess.run(
            ["git", "show", f"{BRANCHED_COMMIT}:{path}"], cwd=MIGRATIONS_DIR, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shown.stdout if shown.returncode == 0 else None


@pytest.mark.parametrize("revision", BRANCHED)
def test_the_rebuilt_branched_files_are_the_files_of_the_branched_commit(revision):
    original = _git_show(f"backend/db/migrations/versions/{revision}.py")
    if original is None:
        pytest.skip(f"this clone lacks commit {BRANCHED_COMMIT[:10]}")
    if revision == "0011_merge_features":
        assert MERGE_REVISION == original
    else:
        assert _without_docstring(branched_version_file(revision)) == _without_docstring(original)
