"""Traffic reports: what publishers sent, per (campaign, publisher), by kind, status and reason.

One ``GROUP BY campaign_id, publisher, kind, status, reason`` over ``ad_events`` feeds
every report; ``fold`` turns its rows into ``TrafficCounts``. Ingestion writes
``accepted`` and ``filtered``; settlement moves accepted events to ``billed``,
``over_budget`` or ``unbilled`` and sets their price, so those columns fill in as
epochs are priced, from the same query. A report that needs more per (campaign,
publisher), such as what was paid on chain, joins on that key (``TrafficLine``'s
``campaign_id`` and ``publisher``). Duplicates and rejected events are never stored
as events, so they are counted per batch (``batch_totals``), not per campaign.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select
from sqlalchemy.sql import ColumnElement

from backend.ads.api_schemas import BatchTotals, TrafficCounts, TrafficLine
from backend.campaigns.kinds import EventKind
from backend.ads.models import AdBatch, AdEvent, EventStatus

_events = AdEvent.__table__
_batches = AdBatch.__table__
_KIND_FIELDS = {EventKind.IMPRESSION: "impressions", EventKind.CLICK: "clicks", EventKind.CONVERSION: "conversions"}


def traffic_lines(connection: Connection, condition: ColumnElement[bool]) -> list[TrafficLine]:
    """Lines of the events matching ``condition`` (e.g. ``campaign_condition(7)``), by campaign then publisher."""
    rows = connection.execute(
        select(
            _events.c.campaign_id,
            _events.c.publisher,
            _events.c.kind,
            _events.c.status,
            _events.c.reason,
            func.count(),
            func.coalesce(func.sum(_events.c.price), 0),
        )
        .where(condition)
        .group_by(_events.c.campaign_id, _events.c.publisher, _events.c.kind, _events.c.status, _events.c.reason)
    )
    lines: dict[tuple[int, str], TrafficLine] = {}
    for campaign_id, publisher, kind, status, reason, count, amount in rows:
        line = lines.get((campaign_id, publisher))
        if line is None:
            line = lines[(campaign_id, publisher)] = TrafficLine(
                campaign_id=campaign_id,
                publisher=publisher,
                total=TrafficCounts(),
                impressions=TrafficCounts(),
                clicks=TrafficCounts(),
                conversions=TrafficCounts(),
            )
        for counts in (line.total, getattr(line, _KIND_FIELDS[EventKind(kind)])):
            fold(counts, status, reason, count, int(amount))
    return [lines[key] for key in sorted(lines)]


def campaign_condition(chain_campaign_id: int) -> ColumnElement[bool]:
    return _events.c.campaign_id == chain_campaign_id


def publisher_condition(publisher: str) -> ColumnElement[bool]:
    return _events.c.publisher == publisher


def fold(counts: TrafficCounts, status: str, reason: str | None, count: int, amount: int) -> None:
    """Adds ``count`` events of one status (and reason) to ``counts``."""
    if status == EventStatus.FILTERED:
        counts.filtered += count
        _add(counts.filtered_by_reason, reason, count)
        return
    counts.accepted += count
    if status == EventStatus.BILLED:
        counts.billed += count
        counts.billed_amount += amount
    elif status == EventStatus.OVER_BUDGET:
        counts.over_budget += count
    elif status == EventStatus.UNBILLED:
        counts.unbilled += count
        _add(counts.unbilled_by_reason, reason, count)


def total_of(lines: Iterable[TrafficLine]) -> TrafficCounts:
    total = TrafficCounts()
    for line in lines:
        counts = line.total
        total.accepted += counts.accepted
        total.filtered += counts.filtered
        total.billed += counts.billed
        total.billed_amount += counts.billed_amount
        total.over_budget += counts.over_budget
        total.unbilled += counts.unbilled
        for reason, count in counts.filtered_by_reason.items():
            _add(total.filtered_by_reason, reason, count)
        for reason, count in counts.unbilled_by_reason.items():
            _add(total.unbilled_by_reason, reason, count)
    return total


def batch_totals(connection: Connection, publisher: str) -> BatchTotals:
    """The publisher's accepted batches: events as sent, and what became of them."""
    c = _batches.c
    row = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(c.event_count), 0),
            func.coalesce(func.sum(c.accepted_count), 0),
            func.coalesce(func.sum(c.filtered_count), 0),
            func.coalesce(func.sum(c.duplicate_count), 0),
            func.coalesce(func.sum(c.rejected_count), 0),
        ).where(c.publisher == publisher)
    ).one()
    batches, events, accepted, filtered, duplicates, rejected = (int(value) for value in row)
    return BatchTotals(
        batches=batches, events=events, accepted=accepted, filtered=filtered, duplicates=duplicates, rejected=rejected
    )


def _add(counts: dict[str, int], reason: str | None, count: int) -> None:
    key = reason or "unspecified"
    counts[key] = counts.get(key, 0) + count
