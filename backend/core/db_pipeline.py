"""Core statements straight to PostgreSQL: each call one round trip and one transaction.

For the hottest request paths only (the product page every QR scan opens, an advertiser's
data read): SQLAlchemy's execution and result machinery cost more CPU there than PostgreSQL
spent running the statements (measured: 1.23 ms of client CPU for a scan insert and two
reads through a Session, 0.46 ms for the same statements here). The statements stay
SQLAlchemy constructs; each is compiled once per dialect and run on a raw pooled connection
in autocommit, several statements of one call in psycopg's pipeline mode, which queues
them and waits for the server once.

Only for statements whose parameters and result columns need no SQLAlchemy type processing
on PostgreSQL (strings, numbers, booleans, UUIDs, aware datetimes): the DBAPI's own
conversions apply. `pipelines` says whether an engine can; callers keep a Session path for
the others, which `session_executor` runs the same steps on.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from psycopg.pq import ExecStatus
from psycopg.rows import RowFactory, namedtuple_row
from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session


_TUPLES_OK = ExecStatus.TUPLES_OK


@dataclass(frozen=True)
class Compiled:
    """A statement's SQL for one dialect, the values of its own bound literals and how its
    rows are made."""

    sql: str
    defaults: Mapping[str, Any]
    row_factory: RowFactory

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.defaults, **given}


@lru_cache(maxsize=64)
def compiled(statement: ClauseElement, dialect: Dialect, column_keys: tuple[str, ...] = ()) -> Compiled:
    """`statement` compiled once for `dialect`; `column_keys` name an INSERT's columns."""
    result = statement.compile(dialect=dialect, column_keys=list(column_keys) or None)
    defaults = {name: value for name, value in result.params.items() if value is not None}
    return Compiled(str(result), defaults, _row_factory(statement))


def _row_factory(statement: ClauseElement) -> RowFactory:
    """Rows as named tuples of the statement's own column keys, the class made once here:
    psycopg's `namedtuple_row` builds the cursor's description and looks its class up on
    every execution (py-spy: a seventh of the data read's worker-thread samples)."""
    columns = getattr(statement, "selected_columns", None)
    if columns is None:
        return namedtuple_row  # a statement of unknown columns (text, an INSERT ... RETURNING)
    try:
        make = namedtuple("Row", columns.keys())._make
    except ValueError:  # keys that are no field names (duplicates, leading underscores)
        return namedtuple_row
    return lambda cursor: make


def pipelines(engine: Engine) -> bool:
    """Whether `engine` talks to PostgreSQL through psycopg 3 (pipeline mode)."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


@dataclass(frozen=True)
class Step:
    """One statement of an executor call and its parameters."""

    statement: ClauseElement
    parameters: Mapping[str, Any]
    column_keys: tuple[str, ...] = ()  # an INSERT's columns; read statements leave it empty


class Executor(Protocol):
    """Runs steps and returns each one's rows (None for a statement that returns none)."""

    def __call__(self, steps: Sequence[Step]) -> list[list | None]: ...


def session_executor(session: Session) -> Executor:
    """The steps on `session`'s connection, inside its transaction (the caller commits): the
    path for engines that do not pipeline (SQLite). Rows are SQLAlchemy rows, which answer
    the same attribute access and ``_asdict()`` as the pipeline's named tuples."""

    def execute(steps: Sequence[Step]) -> list[list | None]:
        connection = session.connection()
        results = []
        for step in steps:
            result = connection.execute(step.statement, dict(step.parameters))
            results.append(result.all() if result.returns_rows else None)
        return results

    return execute


@contextmanager
def connected(engine: Engine) -> Iterator[Executor]:
    """One pooled connection for several calls: each call of the executor is one round trip and
    one transaction, committed when it returns. Any error rolls that call's statements back
    and is raised as the driver's (psycopg) exception."""
    pooled = engine.raw_connection()
    connection = pooled.driver_connection

    def execute(steps: Sequence[Step]) -> list[list | None]:
        cursors = []
        if len(steps) == 1:  # one statement is one round trip without a pipeline's bookkeeping
            cursors.append(_cursor(connection, engine.dialect, steps[0]))
        else:
            # In pipeline mode the statements up to the one Sync that ends the pipeline are one
            # implicit transaction, committed at the Sync, rolled back whole if any statement
            # fails (PostgreSQL's extended query protocol).
            with connection.pipeline():
                cursors = [_cursor(connection, engine.dialect, step) for step in steps]
        return [cursor.fetchall() if _has_rows(cursor) else None for cursor in cursors]

    # Autocommit: no BEGIN and COMMIT round trips; each call is its own implicit transaction.
    connection.autocommit = True
    try:
        yield execute
    except engine.dialect.loaded_dbapi.Error as exc:
        if engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
            # What SQLAlchemy's Connection does on a disconnect: discard this connection and
            # every other one checked in before now, so the next requests reconnect.
            engine.pool._invalidate(pooled, exc)
        raise
    finally:
        try:
            if not connection.closed:
                connection.autocommit = False  # as the pool's other users expect it
        except engine.dialect.loaded_dbapi.Error:
            pooled.invalidate()  # left mid-statement: not given back to the pool
        pooled.close()  # back to the pool, which rolls back anything left open


def _has_rows(cursor) -> bool:
    """Whether the cursor's statement returned rows (a SELECT, an INSERT ... RETURNING), from
    the result's status: ``cursor.description`` answers the same but builds a column object
    per result column first (py-spy: a tenth of the client CPU of a page's reads)."""
    result = cursor.pgresult
    return result is not None and result.status == _TUPLES_OK


def _cursor(connection, dialect: Dialect, step: Step):
    statement = compiled(step.statement, dialect, step.column_keys)
    cursor = connection.cursor(row_factory=statement.row_factory)
    cursor.execute(statement.sql, statement.parameters(step.parameters))
    return cursor


@contextmanager
def executor_for(session: Session) -> Iterator[Executor]:
    """`connected` to the session's engine where it pipelines, else the session's own connection
    (whose transaction the caller commits)."""
    engine = session.get_bind()
    if pipelines(engine):
        with connected(engine) as execute:
            yield execute
    else:
        yield session_executor(session)


def run(engine: Engine, steps: Sequence[Step]) -> list[list | None]:
    """`steps` in one transaction and one round trip on a connection of its own; see `connected`."""
    with connected(engine) as execute:
        return execute(steps)
