"""Loads what the database already holds about a batch's events, in at most two queries.

1. The publisher's stored events whose ids are the batch's event ids or the
   impressions its clicks name: duplicates, and the impressions clicks need.
2. Only when the batch has conversions: the publisher's stored, unfiltered clicks
   with the click ids the conversions carry.
Both look each wanted id up in the ``(publisher, client_event_id)`` unique index or
the ``(publisher, click_id)`` index, one probe per id, whatever the statistics say.
``publisher = ? AND id IN (...)`` was rejected: with stale statistics PostgreSQL
planned it as a scan of all the publisher's events, which grew with the table
(measured: 7 ms -> 300 ms after 20,000 events). A plain join of the ids was rejected
too: once ANALYZE saw that most rows are the publisher's, PostgreSQL hashed all of them
(81 ms at 59,000 events, against 3 ms of probes). So on PostgreSQL the ids (one array
parameter) drive a LATERAL subquery that cannot be flattened into a join (``LIMIT 1``
on the unique key, ``OFFSET 0`` for click ids): always a nested loop over the index.
SQLite joins a VALUES list, which it always probes through the index. The PostgreSQL ids travel as
one comma-joined text (``string_to_array``), not an array parameter: cheaper to send.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from backend.ads.events import Event
from backend.ads.filters.history import History
from backend.campaigns.kinds import EventKind
from backend.ads.models import EventStatus

_EVENT_COLUMNS = "e.client_event_id, e.kind, e.campaign_id, e.occurred_at, e.status"
_CLICK_COLUMNS = "e.campaign_id, e.click_id, e.occurred_at"
_CLICK_FILTER = "e.kind = 'click' AND e.status <> 'filtered'"
_POSTGRES = {
    "events": (
        f"SELECT {_EVENT_COLUMNS} FROM unnest(string_to_array(%s, ',')) AS ids(id) CROSS JOIN LATERAL "
        f"(SELECT {_EVENT_COLUMNS} FROM ad_events e WHERE e.publisher = %s AND e.client_event_id = ids.id LIMIT 1) e"
    ),
    "clicks": (
        f"SELECT {_CLICK_COLUMNS} FROM unnest(string_to_array(%s, ',')) AS ids(id) CROSS JOIN LATERAL "
        f"(SELECT {_CLICK_COLUMNS} FROM ad_events e WHERE e.publisher = %s AND e.click_id = ids.id "
        f"AND {_CLICK_FILTER} OFFSET 0) e"
    ),
}
_SQLITE = {
    "events": (
        "WITH ids(id) AS (VALUES {values}) SELECT " + _EVENT_COLUMNS + " "
        "FROM ids JOIN ad_events e ON e.publisher = ? AND e.client_event_id = ids.id"
    ),
    "clicks": (
        "WITH ids(id) AS (VALUES {values}) SELECT " + _CLICK_COLUMNS + " "
        "FROM ids JOIN ad_events e ON e.publisher = ? AND e.click_id = ids.id WHERE " + _CLICK_FILTER
    ),
}


def load_history(connection: Connection, publisher: str, events: Sequence[Event]) -> History:
    ids = {event.event_id for event in events}
    ids.update(event.impression_id for event in events if event.kind is EventKind.CLICK)
    known: set[str] = set()
    impressions: dict[tuple[int, str], int] = {}
    for event_id, kind, campaign_id, occurred_at, status in _select(connection, "events", publisher, ids):
        known.add(event_id)
        if kind == EventKind.IMPRESSION and status != EventStatus.FILTERED:
            impressions[(campaign_id, event_id)] = occurred_at
    click_ids = {event.click_id for event in events if event.kind is EventKind.CONVERSION}
    clicks: dict[tuple[int, str], int] = {}
    if click_ids:
        for campaign_id, click_id, occurred_at in _select(connection, "clicks", publisher, click_ids):
            key = (campaign_id, click_id)
            clicks[key] = min(occurred_at, clicks.get(key, occurred_at))
    return History(frozenset(known), impressions, clicks)


def _select(connection: Connection, query: str, publisher: str, values: set[str]) -> list[tuple]:
    if connection.dialect.name == "postgresql":
        # One comma-joined text, split by PostgreSQL: psycopg builds a list parameter element by
        # element in Python. Event and click ids cannot hold a comma (``events``' patterns).
        return connection.exec_driver_sql(_POSTGRES[query], (",".join(values), publisher)).all()
    sql = _SQLITE[query].format(values=",".join(["(?)"] * len(values)))
    return connection.exec_driver_sql(sql, (*values, publisher)).all()
