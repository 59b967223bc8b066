"""Several Core statements in one transaction and one round trip to PostgreSQL.

For the hottest request paths only (the product page every QR scan opens): SQLAlchemy's
execution and result machinery cost more CPU there than PostgreSQL spent running the
statements (measured: 1.23 ms of client CPU for a scan insert and two reads through a
Session, 0.46 ms for the same statements here). The statements stay SQLAlchemy constructs;
each is compiled once per dialect and sent with psycopg's pipeline mode, which queues
the statements and waits for the server once.

Only for statements whose parameters and result columns need no SQLAlchemy type processing
on PostgreSQL (strings, numbers, booleans, aware datetimes): the DBAPI's own conversions
apply. `pipelines` says whether an engine can; callers keep a Session path for the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class Compiled:
    """A statement's SQL for one dialect and the values of its own bound literals."""

    sql: str
    defaults: Mapping[str, Any]

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.defaults, **given}


@lru_cache(maxsize=64)
def compiled(statement: ClauseElement, dialect: Dialect, column_keys: tuple[str, ...] = ()) -> Compiled:
    """`statement` compiled once for `dialect`; `column_keys` name an INSERT's columns."""
    result = statement.compile(dialect=dialect, column_keys=list(column_keys) or None)
    return Compiled(str(result), {name: value for name, value in result.params.items() if value is not None})


def pipelines(engine: Engine) -> bool:
    """Whether `engine` talks to PostgreSQL through psycopg 3 (pipeline mode)."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


@dataclass(frozen=True)
class Step:
    """One statement of a pipeline and its parameters."""

    statement: ClauseElement
    parameters: Mapping[str, Any]
    column_keys: tuple[str, ...] = ()  # an INSERT's columns; read statements leave it empty


def run(engine: Engine, steps: Sequence[Step]) -> list[list[tuple] | None]:
    """Run `steps` in one transaction and one round trip; each step's rows (named tuples),
    None for a statement that returns none. Any error rolls the whole transaction back
    and is raised as the driver's (psycopg) exception."""
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        cursors = []
        # No BEGIN and COMMIT: in pipeline mode the statements up to the one Sync that ends the
        # pipeline are one implicit transaction, committed at the Sync, rolled back whole if
        # any statement fails (PostgreSQL's extended query protocol).
        connection.autocommit = True
        try:
            with connection.pipeline():
                for step in steps:
                    statement = compiled(step.statement, engine.dialect, step.column_keys)
                    cursor = connection.cursor(row_factory=namedtuple_row)
                    cursor.execute(statement.sql, statement.parameters(step.parameters))
                    cursors.append(cursor)
        finally:
            connection.autocommit = False  # as the pool's other users expect it
        return [cursor.fetchall() if cursor.description is not None else None for cursor in cursors]
    except engine.dialect.loaded_dbapi.Error as exc:
        if engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
            # What SQLAlchemy's Connection does on a disconnect: discard this connection and
            # every other one checked in before now, so the next requests reconnect.
            engine.pool._invalidate(pooled, exc)
        raise
    finally:
        pooled.close()  # back to the pool, which rolls back anything left open
