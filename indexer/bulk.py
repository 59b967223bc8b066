"""Bulk inserts through the database driver: COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's per-row bind processing costs more than the write itself at tens of
thousands of rows a second, so rows are converted once per column here and handed
to the driver inside the caller's transaction.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from sqlalchemy import JSON, Connection, Table

from indexer.models.base import Uint256


def _to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _to_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _identity(value: Any) -> Any:
    return value


class BulkWriter:
    """Appends rows (dicts keyed by column name) to mirror tables within one open transaction."""

    def __init__(self, connection: Connection):
        self._connection = connection
        self._dialect = connection.dialect.name
        self._converters: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}

    def _columns(self, table: Table) -> list[tuple[str, Callable[[Any], Any]]]:
        columns = self._converters.get(table.name)
        if columns is None:
            columns = []
            for column in table.columns:
                if column.autoincrement is True and column.primary_key:
                    continue  # the database numbers it
                if isinstance(column.type, JSON):
                    convert = _to_json
                elif isinstance(column.type, Uint256) and self._dialect != "postgresql":
                    convert = _to_text
                else:
                    convert = _identity
                columns.append((column.name, convert))
            self._converters[table.name] = columns
        return columns

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = self._columns(table)
        names = [name for name, _ in columns]
        values = [tuple(convert(row.get(name)) for name, convert in columns) for row in rows]
        driver = self._connection.connection.driver_connection
        if self._dialect == "postgresql":
            with driver.cursor() as cursor:
                with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
        elif self._dialect == "sqlite":
            placeholders = ", ".join("?" for _ in names)
            driver.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})", values)
        else:
            self._connection.execute(table.insert(), rows)


__all__ = ["BulkWriter"]
