"""Loads what the database already holds about a batch's events, in at most two queries.

1. The publisher's stored events whose ids are the batch's event ids or the
   impressions its clicks name: duplicates, and the impressions clicks need.
2. Only when the batch has conversions: the publisher's stored, unfiltered clicks
   with the click ids the conversions carry.
Both use the ``(publisher, client_event_id)`` unique index and the
``(publisher, campaign_id, click_id)`` index. PostgreSQL gets one array parameter
(``= ANY``) instead of thousands of bound values.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from backend.ads.events import AdEventIn
from backend.ads.filters.history import History
from backend.ads.kinds import EventKind
from backend.ads.models import EventStatus

_EVENTS_BY_ID = (
    "SELECT client_event_id, kind, campaign_id, occurred_at, status FROM ad_events "
    "WHERE publisher = {publisher} AND client_event_id {in_ids}"
)
_CLICKS_BY_CLICK_ID = (
    "SELECT campaign_id, click_id, occurred_at FROM ad_events "
    "WHERE publisher = {publisher} AND kind = 'click' AND status <> 'filtered' AND click_id {in_ids}"
)


def load_history(connection: Connection, publisher: str, events: Sequence[AdEventIn]) -> History:
    ids = {event.event_id for event in events}
    ids.update(event.impression_id for event in events if event.kind is EventKind.CLICK)
    known: set[str] = set()
    impressions: dict[tuple[int, str], int] = {}
    for event_id, kind, campaign_id, occurred_at, status in _select(connection, _EVENTS_BY_ID, publisher, ids):
        known.add(event_id)
        if kind == EventKind.IMPRESSION and status != EventStatus.FILTERED:
            impressions[(campaign_id, event_id)] = occurred_at
    click_ids = {event.click_id for event in events if event.kind is EventKind.CONVERSION}
    clicks: dict[tuple[int, str], int] = {}
    if click_ids:
        for campaign_id, click_id, occurred_at in _select(connection, _CLICKS_BY_CLICK_ID, publisher, click_ids):
            key = (campaign_id, click_id)
            clicks[key] = min(occurred_at, clicks.get(key, occurred_at))
    return History(frozenset(known), impressions, clicks)


def _select(connection: Connection, template: str, publisher: str, values: set[str]) -> list[tuple]:
    if connection.dialect.name == "postgresql":
        sql = template.format(publisher="%s", in_ids="= ANY(%s)")
        return connection.exec_driver_sql(sql, (publisher, list(values))).all()
    sql = template.format(publisher="?", in_ids=f"IN ({','.join('?' * len(values))})")
    return connection.exec_driver_sql(sql, (publisher, *values)).all()
