"""The bulk write of checked EPCIS events: their ``epcis_event`` rows, item links (``epcis_event_item``)
and identifier index (``epcis_event_epc``), in the caller's transaction.

Bulk statements, not one ORM object per event (at 1,000 events per capture document the ORM
flush, its multi-row ``INSERT ... RETURNING`` built and parsed in Python, and the model
objects cost more than everything else a capture does):

- PostgreSQL: the ids are taken from the table's sequence in one statement, then the three
  tables are written with COPY on the session's own psycopg connection, so a rollback of the
  session takes them back like any other write. The COPY runs inside a savepoint: when a
  concurrent request stored one of the same events first (the unique ``event_hash``), the
  savepoint is rolled back and `DuplicateEvents` names the hashes now found, so the caller
  refuses those events instead of failing the whole transaction.
- Other databases (SQLite): Core ``INSERT ... RETURNING id`` in parameter order, then
  executemany inserts of the links and identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import insert
from sqlmodel import Session

from backend.provenance.models import EpcisEvent, EpcisEventEpc, EpcisEventItem

EVENT_COLUMNS = (
    "event_hash", "hash_algorithm", "actor_id", "brand_id", "event_type", "biz_step", "disposition", "event_time",
    "time_zone_offset", "read_point", "biz_location", "action", "declared_event_id", "document", "recorded_at",
)  # fmt: skip
_EVENTS = EpcisEvent.__table__
_ITEMS = EpcisEventItem.__table__
_EPCS = EpcisEventEpc.__table__
_HASH = EVENT_COLUMNS.index("event_hash")
_SAVEPOINT = "epcis_event_copy"


class DuplicateEvents(Exception):
    """Events stored by a concurrent request between the caller's check and the write."""

    def __init__(self, hashes: Sequence[str]):
        super().__init__(f"{len(hashes)} of the events were recorded meanwhile")
        self.hashes = list(hashes)


@dataclass(frozen=True)
class EventRows:
    """What to write for a list of events: one tuple of `EVENT_COLUMNS` per event, and per event
    its item ids and its (role, identifier) pairs."""

    events: Sequence[tuple[Any, ...]]
    items: Sequence[Sequence[int]]
    epcs: Sequence[Sequence[tuple[str, str]]]


def store(session: Session, rows: EventRows) -> list[int]:
    """Write the rows; returns the new event ids, in order. Raises `DuplicateEvents`."""
    if not rows.events:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _store_postgres(connection.connection.driver_connection, rows)
    return _store_core(session, rows)


def _links(rows: EventRows, ids: Sequence[int]) -> tuple[list[tuple[int, int]], list[tuple[str, str, int]]]:
    items = [(item_id, event_id) for event_id, item_ids in zip(ids, rows.items) for item_id in item_ids]
    epcs = [(epc, role, event_id) for event_id, pairs in zip(ids, rows.epcs) for role, epc in pairs]
    return items, epcs


def _store_postgres(connection: Any, rows: EventRows) -> list[int]:
    # The raw psycopg connection is the one SQLAlchemy's transaction is open on.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('epcis_event', 'id')) FROM generate_series(1, %s)",
            (len(rows.events),),
        )
        ids = [event_id for (event_id,) in cursor.fetchall()]
        items, epcs = _links(rows, ids)
        cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            with cursor.copy(f"COPY epcis_event (id, {', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for event_id, row in zip(ids, rows.events):
                    copy.write_row((event_id, *row))
        except UniqueViolation:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            cursor.execute("SELECT event_hash FROM epcis_event WHERE event_hash = ANY(%s)",
                           ([row[_HASH] for row in rows.events],))
            raise DuplicateEvents([value for (value,) in cursor.fetchall()]) from None
        cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        with cursor.copy("COPY epcis_event_item (item_id, event_id) FROM STDIN") as copy:
            for row in items:
                copy.write_row(row)
        if epcs:
            with cursor.copy("COPY epcis_event_epc (epc, role, event_id) FROM STDIN") as copy:
                for row in epcs:
                    copy.write_row(row)
    return ids


def _store_core(session: Session, rows: EventRows) -> list[int]:
    connection = session.connection()
    statement = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
    ids = list(connection.execute(statement, [dict(zip(EVENT_COLUMNS, row)) for row in rows.events]).scalars())
    items, epcs = _links(rows, ids)
    if items:
        connection.execute(insert(_ITEMS), [{"item_id": item_id, "event_id": event_id} for item_id, event_id in items])
    if epcs:
        connection.execute(insert(_EPCS), [{"epc": epc, "role": role, "event_id": event_id} for epc, role, event_id in epcs])
    return ids
