"""Statements in one round trip (psycopg pipeline mode): one transaction, the pool left as found."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import bindparam, column, insert, select, table, text

from sqlmodel import Session

from backend.core import db
from backend.core import db_pipeline
from backend.core.db_pipeline import Step
from backend.db.scratch import ADMIN_DSN, scratch_database

pytestmark = pytest.mark.postgres

NOTES = table("note", column("body"), column("written_at"))
ADD = insert(NOTES).inline()
ALL = select(NOTES.c.body, NOTES.c.written_at).order_by(NOTES.c.body)
AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine():
    with scratch_database("db_pipeline") as database:
        engine = db.engine_for(database.url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE note (body text PRIMARY KEY, written_at timestamptz NOT NULL)"))
        yield engine


def add(body: str) -> Step:
    return Step(ADD, {"body": body, "written_at": AT}, column_keys=("body", "written_at"))


def count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM note")).scalar_one()


def test_writes_and_reads_run_in_order_in_one_transaction(engine):
    assert db_pipeline.pipelines(engine)
    first, second, read = db_pipeline.run(engine, [add("a"), add("b"), Step(ALL, {})])
    assert first is None and second is None
    assert [(row.body, row.written_at) for row in read] == [("a", AT), ("b", AT)]  # the read sees the writes
    assert count(engine) == 2  # committed


def test_a_read_of_no_rows_is_an_empty_list_and_a_returning_insert_gives_its_rows(engine):
    returning = insert(NOTES).returning(NOTES.c.body)
    written = Step(returning, {"body": "r", "written_at": AT}, column_keys=("body", "written_at"))
    nothing = Step(ALL.where(NOTES.c.body == bindparam("body")), {"body": "none"})
    for steps in ([nothing], [nothing, written]):  # alone, and in a pipeline
        results = db_pipeline.run(engine, steps)
        assert results[0] == []  # rows, none of them: not None, which means "no rows returned"
    assert [row.body for row in results[1]] == ["r"]


def test_a_failing_statement_rolls_back_the_ones_before_it(engine):
    db_pipeline.run(engine, [add("a")])
    with pytest.raises(psycopg.errors.UniqueViolation):
        db_pipeline.run(engine, [add("b"), add("a")])
    assert count(engine) == 1
    with pytest.raises(psycopg.errors.UndefinedTable):
        db_pipeline.run(engine, [add("c"), Step(select(column("x")).select_from(table("missing")), {})])
    assert count(engine) == 1


def test_connections_go_back_to_the_pool_idle_and_in_transaction_mode(engine):
    for _ in range(3):
        db_pipeline.run(engine, [add(f"n{_}")])
    with pytest.raises(psycopg.errors.UniqueViolation):
        db_pipeline.run(engine, [add("n0")])
    assert engine.pool.checkedout() == 0
    with engine.connect() as connection:  # the ORM's usual transaction, on a connection the pipeline used
        raw = connection.connection.dbapi_connection
        assert raw.autocommit is False
        connection.execute(text("INSERT INTO note VALUES ('kept', now())"))
        connection.rollback()
    assert count(engine) == 3


def test_bound_literals_of_the_statement_travel_with_it(engine):
    db_pipeline.run(engine, [add("x"), add("y")])
    only_y = select(NOTES.c.body).where(NOTES.c.body == "y", NOTES.c.written_at == bindparam("at"))
    (rows,) = db_pipeline.run(engine, [Step(only_y, {"at": AT})])
    assert [row.body for row in rows] == ["y"]


def test_a_connection_the_server_dropped_fails_once_and_the_pool_reconnects(engine):
    with engine.connect() as connection:
        dropped = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (dropped,))
    with pytest.raises(psycopg.OperationalError):
        db_pipeline.run(engine, [add("lost")])
    db_pipeline.run(engine, [add("after")])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
    assert count(engine) == 1


def test_each_call_on_one_connection_commits_on_its_own(engine):
    with db_pipeline.connected(engine) as execute:
        assert execute([add("a")]) == [None]
        with pytest.raises(psycopg.errors.UniqueViolation):
            execute([add("b"), add("a")])  # rolls back its own statements only
        (rows,) = execute([Step(ALL, {})])  # the connection is usable after a failed call
        assert [(row.body, row.written_at) for row in rows] == [("a", AT)]
        execute([add("c")])
    assert count(engine) == 2
    assert engine.pool.checkedout() == 0
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False


def test_a_session_executor_runs_the_same_steps_in_the_sessions_transaction(engine):
    with Session(engine) as session:
        execute = db_pipeline.session_executor(session)
        assert execute([add("a"), add("b")]) == [None, None]
        (rows,) = execute([Step(ALL, {})])
        assert [(row.body, row.written_at) for row in rows] == [("a", AT), ("b", AT)]
        assert db_pipeline.run(engine, [Step(ALL, {})]) == [[]], "nothing is visible to others before the commit"
        session.commit()
    (piped,) = db_pipeline.run(engine, [Step(ALL, {})])
    assert [row._asdict() for row in rows] == [row._asdict() for row in piped], "rows of the same shape either way"


def test_executor_for_picks_the_pipeline_on_postgresql_and_the_session_elsewhere(engine, tmp_path):
    with Session(engine) as session, db_pipeline.executor_for(session) as execute:
        execute([add("a")])
        assert not session.in_transaction(), "the session's own connection is not used"
    assert count(engine) == 1
    sqlite = db.engine_for(f"sqlite:///{tmp_path / 'x.db'}")
    with sqlite.begin() as connection:
        connection.execute(text("CREATE TABLE note (body text PRIMARY KEY, written_at timestamp NOT NULL)"))
    with Session(sqlite) as session, db_pipeline.executor_for(session) as execute:
        execute([add("a")])
        assert session.in_transaction()
        session.commit()
    with sqlite.connect() as connection:
        assert connection.execute(text("SELECT body FROM note")).scalars().all() == ["a"]


def test_sqlite_does_not_pipeline(tmp_path):
    assert not db_pipeline.pipelines(db.engine_for(f"sqlite:///{tmp_path / 'x.db'}"))
