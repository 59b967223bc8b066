"""Reads and writes of settlement in the caller's transaction: events to price, tallies, stored epochs.

``ad_events`` and ``ad_publisher_tallies`` belong to the ads pipeline; settlement moves
an event from ``accepted`` to its priced status (and back when its epoch is undone)
and keeps the tallies. Bulk statements, not ORM objects: an epoch may hold tens of
thousands of events.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, text, tuple_, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from backend.campaigns.kinds import EventKind
from backend.ads.models import AdEvent, AdPublisherTally, EventStatus, status_for
from backend.ads.pricing import BillableEvent, Outcome, PricedEvent, PublisherTally
from backend.settlement.epochs.pricing import EpochSettlement
from backend.settlement.models import (
    Settlement,
    SettlementBalance,
    SettlementEvent,
    SettlementLeaves,
    SettlementStatus,
)

_EVENTS = AdEvent.__table__
_TALLIES = AdPublisherTally.__table__
_CHUNK = 5_000
# Namespace of settlement's PostgreSQL advisory locks (the other half of the key is the campaign id).
_LOCK_NAMESPACE = 0x5E77


class ConcurrentSettlement(RuntimeError):
    """Another pass priced some of these events first; this transaction must roll back."""


def lock_campaign(session: Session, campaign_id: int) -> None:
    """Serialise settle and keeper passes of one campaign until the transaction ends (PostgreSQL;
    SQLite has a single writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": _LOCK_NAMESPACE, "key": campaign_id % 2**31},
        )


@dataclass(frozen=True)
class AcceptedEvents:
    billable: list[BillableEvent]
    event_hashes: dict[int, bytes]
    newest_epoch: int


def load_accepted(connection: Connection, campaign_id: int, before_epoch: int) -> AcceptedEvents | None:
    """The campaign's events waiting to be priced, received before epoch ``before_epoch`` began."""
    e = _EVENTS.c
    rows = connection.execute(
        select(e.id, e.publisher, e.kind, e.occurred_at, e.received_at, e.click_at, e.event_hash, e.epoch)
        .where(e.campaign_id == campaign_id, e.status == EventStatus.ACCEPTED.value, e.epoch < before_epoch)
        .order_by(e.received_at, e.id)
    ).all()
    if not rows:
        return None
    kinds = {kind.value: kind for kind in EventKind}
    return AcceptedEvents(
        billable=[BillableEvent(r[0], r[1], kinds[r[2]], r[3], r[4], r[5]) for r in rows],
        event_hashes={r[0]: bytes(r[6]) for r in rows},
        newest_epoch=max(r[7] for r in rows),
    )


def load_tallies(connection: Connection, campaign_id: int) -> dict[str, PublisherTally]:
    names = list(PublisherTally.__dataclass_fields__)
    rows = connection.execute(
        select(_TALLIES.c.publisher, *(_TALLIES.c[name] for name in names)).where(_TALLIES.c.campaign_id == campaign_id)
    ).all()
    return {row[0]: PublisherTally(**dict(zip(names, row[1:], strict=True))) for row in rows}


def replace_tallies(connection: Connection, campaign_id: int, tallies: dict[str, PublisherTally]) -> None:
    connection.execute(delete(_TALLIES).where(_TALLIES.c.campaign_id == campaign_id))
    rows = [
        {"campaign_id": campaign_id, "publisher": publisher, **dataclasses.asdict(tally)}
        for publisher, tally in tallies.items()
    ]
    if rows:
        connection.execute(insert(_TALLIES), rows)


def save_tallies(connection: Connection, campaign_id: int, before: dict, after: dict[str, PublisherTally]) -> None:
    """Write the tallies that pricing changed (``before``: as loaded)."""
    changed = {publisher: tally for publisher, tally in after.items() if before.get(publisher) != tally}
    if not changed:
        return
    connection.execute(
        delete(_TALLIES).where(_TALLIES.c.campaign_id == campaign_id, _TALLIES.c.publisher.in_(list(changed)))
    )
    connection.execute(
        insert(_TALLIES),
        [{"campaign_id": campaign_id, "publisher": p, **dataclasses.asdict(t)} for p, t in changed.items()],
    )


def mark_priced(connection: Connection, priced: Sequence[PricedEvent]) -> None:
    """Each event's priced status, only if it is still accepted; raises ConcurrentSettlement otherwise."""
    statement = (
        update(_EVENTS)
        .where(_EVENTS.c.id == bindparam("event_id"), _EVENTS.c.status == EventStatus.ACCEPTED.value)
        .values(status=bindparam("new_status"), reason=bindparam("new_reason"), price=bindparam("new_price"))
    )
    rows = []
    for event in priced:
        status, reason = status_for(event.outcome)
        rows.append(
            {"event_id": event.sequence, "new_status": status.value, "new_reason": reason, "new_price": event.price}
        )
    updated = 0
    for start in range(0, len(rows), _CHUNK):
        updated += connection.execute(statement, rows[start : start + _CHUNK]).rowcount
    if updated != len(rows):
        raise ConcurrentSettlement(f"{len(rows) - updated} of {len(rows)} events were priced by another pass")


def tally_json(tally: PublisherTally) -> str:
    return json.dumps(dataclasses.asdict(tally), sort_keys=True, separators=(",", ":"))


def tally_from_json(text: str) -> PublisherTally:
    return PublisherTally(**json.loads(text))


def store_settlement(
    session: Session, *, escrow: str, built: EpochSettlement, signatures: Sequence[bytes]
) -> Settlement:
    """The settlement row with its priced events, sorted leaf hashes and balance snapshot; not committed."""
    attestation = built.attestation()
    settlement = Settlement(
        escrow_address=escrow,
        campaign_id=built.campaign_id,
        epoch=built.epoch,
        events_root=attestation.events_root,
        balance_root=attestation.balance_root,
        cumulative_spent=attestation.cumulative_spent,
        billed_amount=built.billed_amount,
        event_count=built.billed_count,
        revision=built.revision,
        priced_count=len(built.pricing.events),
        signatures=b"".join(signatures),
    )
    session.add(settlement)
    session.flush()
    connection = session.connection()
    rows = [
        {"settlement_id": settlement.id, "event_id": e.sequence, "billed": e.outcome is Outcome.BILLED}
        for e in built.pricing.events
    ]
    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(SettlementEvent.__table__), rows[start : start + _CHUNK])
    connection.execute(
        insert(SettlementLeaves.__table__),
        [{"settlement_id": settlement.id, "leaf_hashes": b"".join(sorted(built.event_leaves))}],
    )
    tallies = built.pricing.tallies
    connection.execute(
        insert(SettlementBalance.__table__),
        [
            {
                "settlement_id": settlement.id,
                "publisher": publisher,
                "cumulative_earned": built.balances.get(publisher, 0),
                "in_root": publisher in built.balances,
                "tally": tally_json(tally),
            }
            for publisher, tally in tallies.items()
        ],
    )
    return settlement


def live_settlements(session: Session, escrow: str, campaign_id: int) -> list[Settlement]:
    return list(
        session.exec(
            select(Settlement)
            .where(
                Settlement.escrow_address == escrow,
                Settlement.campaign_id == campaign_id,
                Settlement.status == SettlementStatus.LIVE,
            )
            .order_by(Settlement.epoch)
        )
    )


def newest_epoch(session: Session, escrow: str, campaign_id: int) -> int:
    """The highest epoch ever settled for the campaign, in any status (0 if none)."""
    value = session.exec(
        select(func.max(Settlement.epoch)).where(
            Settlement.escrow_address == escrow, Settlement.campaign_id == campaign_id
        )
    ).first()
    return value or 0


def settlement_at(session: Session, escrow: str, campaign_id: int, epoch: int) -> Settlement | None:
    return session.exec(
        select(Settlement).where(
            Settlement.escrow_address == escrow, Settlement.campaign_id == campaign_id, Settlement.epoch == epoch
        )
    ).first()


def settlements_at(session: Session, escrow: str, epochs: Sequence[tuple[int, int]]) -> list[Settlement]:
    """The settlements at each (campaign id, epoch) of `epochs` that exist, in one query."""
    if not epochs:
        return []
    return list(session.exec(select(Settlement).where(
        Settlement.escrow_address == escrow,
        tuple_(col(Settlement.campaign_id), col(Settlement.epoch)).in_([tuple(pair) for pair in epochs]),
    )))


def newest_live_ids(session: Session, escrow: str, campaign_ids: Sequence[int]) -> dict[int, int]:
    """Campaign id -> id of its newest live settlement (``live_settlements(...)[-1]``), in one query."""
    if not campaign_ids:
        return {}
    newest = (
        select(Settlement.campaign_id, func.max(Settlement.epoch).label("epoch"))
        .where(Settlement.escrow_address == escrow, col(Settlement.campaign_id).in_(campaign_ids),
               Settlement.status == SettlementStatus.LIVE)
        .group_by(col(Settlement.campaign_id))
        .subquery()
    )
    rows = session.exec(
        select(Settlement.campaign_id, Settlement.id)
        .join(newest, (col(Settlement.campaign_id) == newest.c.campaign_id) & (col(Settlement.epoch) == newest.c.epoch))
        .where(Settlement.escrow_address == escrow)
    ).all()
    return dict(rows)


def balances_of_publisher(session: Session, settlement_ids: Iterable[int], publisher: str) -> dict[int, int]:
    """Settlement id -> `publisher`'s cumulative earnings in its balanceRoot (``balances_of`` for one
    publisher over many settlements, in one query); a settlement without that leaf is left out."""
    ids = sorted(set(settlement_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(SettlementBalance.settlement_id, SettlementBalance.cumulative_earned).where(
            col(SettlementBalance.settlement_id).in_(ids), SettlementBalance.publisher == publisher,
            col(SettlementBalance.in_root),
        )
    ).all()
    return dict(rows)


def balances_of(session: Session, settlement_id: int) -> dict[str, int]:
    """Publisher -> cumulative earnings: the settlement's balanceRoot leaves."""
    rows = session.exec(
        select(SettlementBalance.publisher, SettlementBalance.cumulative_earned).where(
            SettlementBalance.settlement_id == settlement_id, col(SettlementBalance.in_root)
        )
    ).all()
    return dict(rows)


def tallies_of(session: Session, settlement_id: int) -> dict[str, PublisherTally]:
    rows = session.exec(
        select(SettlementBalance.publisher, SettlementBalance.tally).where(
            SettlementBalance.settlement_id == settlement_id
        )
    ).all()
    return {publisher: tally_from_json(tally) for publisher, tally in rows}


def leaf_hashes_of(session: Session, settlement_id: int) -> list[bytes]:
    blob = session.exec(
        select(SettlementLeaves.leaf_hashes).where(SettlementLeaves.settlement_id == settlement_id)
    ).one()
    blob = bytes(blob)
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


def priced_event_ids(session: Session, settlement_ids: Iterable[int]) -> list[int]:
    ids = list(settlement_ids)
    if not ids:
        return []
    return list(
        session.exec(select(SettlementEvent.event_id).where(col(SettlementEvent.settlement_id).in_(ids))).all()
    )


def reopen_events(connection: Connection, event_ids: Sequence[int]) -> None:
    """Back to ``accepted``: the next settle pass prices them again."""
    for start in range(0, len(event_ids), _CHUNK):
        connection.execute(
            update(_EVENTS)
            .where(_EVENTS.c.id.in_(event_ids[start : start + _CHUNK]))
            .values(status=EventStatus.ACCEPTED.value, reason=None, price=None)
        )


def filter_events(connection: Connection, event_ids: Sequence[int], reason: str) -> int:
    """Mark accepted events as invalid traffic found after the fact; returns how many changed."""
    changed = 0
    for start in range(0, len(event_ids), _CHUNK):
        changed += connection.execute(
            update(_EVENTS)
            .where(_EVENTS.c.id.in_(event_ids[start : start + _CHUNK]), _EVENTS.c.status == EventStatus.ACCEPTED.value)
            .values(status=EventStatus.FILTERED.value, reason=reason, price=None)
        ).rowcount
    return changed
