"""Derived rows of one batch, buffered and written together with their undo journal.

Two kinds of domain tables:

- history tables (``EventRow``): one row per event, keyed by (block, log index).
  A rollback deletes the rows of the orphaned blocks; nothing is journaled.
- state tables (``StateRow``): the current state of an entity. The first change of
  a row in a block that may still be reorged journals the row's prior image (or
  null when it did not exist) in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from indexer.bulk import BulkWriter
from indexer.models import UndoEntry

Key = tuple[Any, ...]
_UNDO = UndoEntry.__table__


def primary_key(table: Table, row: dict[str, Any]) -> Key:
    return tuple(row[column.name] for column in table.primary_key.columns)


def encode_image(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def upsert_statement(connection: Connection, table: Table):
    """INSERT … ON CONFLICT (primary key) DO UPDATE, for executemany with full row images."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [column.name for column in table.primary_key.columns]
    others = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    if not others:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=others)


def delete_by_key_statement(table: Table):
    return delete(table).where(and_(*(c == bindparam(f"k_{c.name}") for c in table.primary_key.columns)))


def key_params(table: Table, key: Key) -> dict[str, Any]:
    return {f"k_{c.name}": value for c, value in zip(table.primary_key.columns, key)}


class RowChanges:
    """Buffers a batch's derived rows; ``flush`` writes them in the caller's transaction.

    ``journal_from``: blocks at or above it may still be reorged, so their state
    changes are journaled; older blocks are final for the mirror.
    """

    def __init__(self, connection: Connection, journal_from: int):
        self._connection = connection
        self.journal_from = journal_from
        self._history: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
        self._images: dict[tuple[str, Key], dict[str, Any] | None] = {}
        self._dirty: dict[str, tuple[Table, dict[Key, dict[str, Any] | None]]] = {}
        self._journaled: set[tuple[str, Key, int]] = set()
        self._journal: list[dict[str, Any]] = []
        self._selects: dict[str, Any] = {}

    def append(self, table: Table, row: dict[str, Any]) -> None:
        rows = self._history.get(table.name)
        if rows is None:
            rows = self._history[table.name] = (table, [])
        rows[1].append(row)

    def load(self, table: Table, key: Key) -> dict[str, Any] | None:
        """The row's current image (a copy), as of the log being projected."""
        cache_key = (table.name, key)
        if cache_key not in self._images:
            self._images[cache_key] = self._select(table, key)
        image = self._images[cache_key]
        return None if image is None else dict(image)

    def _select(self, table: Table, key: Key) -> dict[str, Any] | None:
        statement = self._selects.get(table.name)
        if statement is None:
            statement = select(table).where(
                and_(*(c == bindparam(f"k_{c.name}") for c in table.primary_key.columns))
            )
            self._selects[table.name] = statement
        row = self._connection.execute(statement, key_params(table, key)).mappings().first()
        return None if row is None else dict(row)

    def store(self, table: Table, key: Key, image: dict[str, Any] | None, block_number: int) -> None:
        """Make `image` the row's state from `block_number` on (None deletes it).

        `image` is kept as given: pass a dict obtained from ``load`` or built afresh.
        """
        cache_key = (table.name, key)
        if cache_key not in self._images:
            self._images[cache_key] = self._select(table, key)
        if block_number >= self.journal_from:
            marker = (table.name, key, block_number)
            if marker not in self._journaled:
                self._journaled.add(marker)
                previous = self._images[cache_key]
                self._journal.append(
                    {
                        "block_number": block_number,
                        "table_name": table.name,
                        "row_key": encode_image(list(key)),
                        "previous": None if previous is None else encode_image(previous),
                    }
                )
        self._images[cache_key] = image
        dirty = self._dirty.get(table.name)
        if dirty is None:
            dirty = self._dirty[table.name] = (table, {})
        dirty[1][key] = image

    def flush(self, writer: BulkWriter) -> int:
        """Write everything buffered; returns the number of rows written or deleted."""
        written = 0
        for table, rows in self._history.values():
            writer.insert(table, rows)
            written += len(rows)
        for table, images in self._dirty.values():
            upserts = [image for image in images.values() if image is not None]
            deletes = [key_params(table, key) for key, image in images.items() if image is None]
            if upserts:
                self._connection.execute(upsert_statement(self._connection, table), upserts)
            if deletes:
                self._connection.execute(delete_by_key_statement(table), deletes)
            written += len(upserts) + len(deletes)
        writer.insert(_UNDO, self._journal)
        self._history.clear()
        self._dirty.clear()
        self._journal.clear()
        self._journaled.clear()
        return written


__all__ = ["RowChanges", "delete_by_key_statement", "encode_image", "key_params", "primary_key", "upsert_statement"]
