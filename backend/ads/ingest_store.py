"""The durable write of one batch: its ``ad_batches`` row and all its events, in the caller's transaction.

Bulk statements, not one ORM object per event:
- PostgreSQL: COPY the rows straight into ``ad_events``, inside a savepoint. The
  caller removed the duplicates it could see, so this nearly always succeeds; if a
  concurrent batch stored one of the ids first, the COPY fails on the unique index,
  the savepoint is rolled back, and the slow path runs: COPY into a session-local
  staging table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``.
  Always taking the slow path was rejected: the second copy of every row, its
  ``INSERT ... SELECT`` and the staging table's truncation cost PostgreSQL about as
  much again as the direct COPY. A single ``INSERT ... SELECT FROM unnest(array per
  column)`` was rejected too: psycopg builds array parameters in Python, which
  measured about twice as slow per 1,000-event batch as its C-accelerated COPY rows.
- SQLite: multi-row ``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING``,
  in chunks under SQLite's bound-parameter limit.
The unique ``(publisher, client_event_id)`` index decides duplicates, including
between concurrent batches; ``RETURNING`` tells which rows went in, so duplicates are
reported, not stored twice. The caller commits before acknowledging (nothing
acknowledged is lost); ``BodyAlreadyAccepted`` means the body is a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, text

EVENT_COLUMNS = (
    "batch_id",
    "publisher",
    "client_event_id",
    "campaign_id",
    "kind",
    "occurred_at",
    "received_at",
    "epoch",
    "impression_id",
    "click_id",
    "click_at",
    "ip_hash",
    "device_hash",
    "event_hash",
    "status",
    "reason",
)
_CLIENT_ID = EVENT_COLUMNS.index("client_event_id")
_STATUS = EVENT_COLUMNS.index("status")
_SQLITE_MAX_PARAMETERS = 32_766
_COLUMN_LIST = ", ".join(EVENT_COLUMNS)
_STAGING = "ad_events_staging"
_CREATE_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
    f"SELECT {_COLUMN_LIST} FROM ad_events WITH NO DATA"
)
_COPY_STAGING = f"COPY {_STAGING} ({_COLUMN_LIST}) FROM STDIN"
_COPY_EVENTS = f"COPY ad_events ({_COLUMN_LIST}) FROM STDIN"
_SAVEPOINT = "ad_events_copy"
_MOVE_STAGING = (
    f"INSERT INTO ad_events ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {_STAGING} "
    "ON CONFLICT (publisher, client_event_id) DO NOTHING RETURNING client_event_id"
)


class BodyAlreadyAccepted(Exception):
    code = "batch_replayed"


@dataclass(frozen=True)
class BatchRecord:
    publisher: str
    body_sha256: bytes
    received_at: int
    event_count: int
    rejected_count: int
    duplicate_count: int  # found before the insert; the insert may find more


@dataclass(frozen=True)
class StoredBatch:
    batch_id: int
    duplicates: frozenset[str]  # client event ids the insert skipped (stored by a concurrent batch)


def store_batch(connection: Connection, batch: BatchRecord, rows: Sequence[tuple]) -> StoredBatch:
    """Insert the batch and its event rows (``EVENT_COLUMNS`` minus ``batch_id``, in order)."""
    batch_id = connection.execute(
        text(
            "INSERT INTO ad_batches (publisher, body_sha256, received_at, event_count, accepted_count,"
            " filtered_count, duplicate_count, rejected_count)"
            " VALUES (:publisher, :body, :received_at, :events, 0, 0, 0, :rejected)"
            " ON CONFLICT (publisher, body_sha256) DO NOTHING RETURNING id"
        ),
        {
            "publisher": batch.publisher,
            "body": batch.body_sha256,
            "received_at": batch.received_at,
            "events": batch.event_count,
            "rejected": batch.rejected_count,
        },
    ).scalar()
    if batch_id is None:
        raise BodyAlreadyAccepted(f"this body was already accepted from {batch.publisher}")
    full_rows = [(batch_id, *row) for row in rows]
    inserted = _insert_events(connection, full_rows) if full_rows else set()
    duplicates = frozenset(row[_CLIENT_ID] for row in full_rows if row[_CLIENT_ID] not in inserted)
    filtered = sum(1 for row in full_rows if row[_STATUS] == "filtered" and row[_CLIENT_ID] in inserted)
    connection.execute(
        text(
            "UPDATE ad_batches SET accepted_count = :accepted, filtered_count = :filtered,"
            " duplicate_count = :duplicates WHERE id = :id"
        ),
        {
            "accepted": len(inserted) - filtered,
            "filtered": filtered,
            "duplicates": batch.duplicate_count + len(duplicates),
            "id": batch_id,
        },
    )
    return StoredBatch(batch_id, duplicates)


def _insert_events(connection: Connection, rows: list[tuple]) -> set[str]:
    if connection.dialect.name == "postgresql":
        return _insert_postgres(connection, rows)
    return _insert_sqlite(connection, rows)


def _insert_postgres(connection: Connection, rows: list[tuple]) -> set[str]:
    # The raw psycopg connection is the one SQLAlchemy's transaction is open on.
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            with cursor.copy(_COPY_EVENTS) as copy:
                for row in rows:
                    copy.write_row(row)
        except UniqueViolation:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            return _insert_postgres_skipping_duplicates(cursor, rows)
        cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        return {row[_CLIENT_ID] for row in rows}


def _insert_postgres_skipping_duplicates(cursor: Cursor, rows: list[tuple]) -> set[str]:
    cursor.execute(_CREATE_STAGING)
    with cursor.copy(_COPY_STAGING) as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(_MOVE_STAGING)
    inserted = {client_id for (client_id,) in cursor.fetchall()}
    # Emptied by truncation, not DELETE: autovacuum never visits temporary tables, so
    # deleted rows would pile up and every later batch would scan them.
    cursor.execute(f"TRUNCATE {_STAGING}")
    return inserted


def _insert_sqlite(connection: Connection, rows: list[tuple]) -> set[str]:
    inserted: set[str] = set()
    per_statement = _SQLITE_MAX_PARAMETERS // len(EVENT_COLUMNS)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        placeholders = ", ".join(["(" + ", ".join("?" * len(EVENT_COLUMNS)) + ")"] * len(chunk))
        sql = (
            f"INSERT INTO ad_events ({_COLUMN_LIST}) VALUES {placeholders} "
            "ON CONFLICT (publisher, client_event_id) DO NOTHING RETURNING client_event_id"
        )
        parameters = tuple(value for row in chunk for value in row)
        inserted.update(client_id for (client_id,) in connection.exec_driver_sql(sql, parameters))
    return inserted
