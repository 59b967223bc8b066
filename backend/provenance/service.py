"""Provenance use cases over the database: register, record, batch, scan, claim, and the page.

Functions add and flush; the caller (route or task) commits once its unit of work ends.
Errors carry every reason at once, for a 4xx that tells the caller what to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy import bindparam, func, insert, text, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from backend.provenance import event_store
from backend.provenance.anchor_signature import event_leaf
from backend.provenance.claims import InvalidClaimCode, code_hash, code_matches, generate_code, normalise_code
from backend.provenance.epc_index import event_epcs
from backend.provenance.epcis import ValidatedEvent
from backend.provenance.event_hash import CURRENT_ALGORITHM, event_hash, hash_digest
from backend.provenance.gtin import normalise_gtin
from backend.provenance.models import (
    AnchorBatch,
    AnchorStatus,
    BrandActor,
    EpcisEvent,
    Product,
    ProductItem,
    ProductScan,
    SerialBatch,
    SunTag,
    utcnow,
)
from backend.provenance.scan_signals import Scan
from backend.provenance.serials import SerialRange, expand, serials_tree
from backend.provenance.sun import SunReading
from backend.proofs.merkle import MerkleTree

MAX_EVENTS_PER_ANCHOR = 10_000  # a proof stays 14 siblings long
SCAN_LOOKBACK = timedelta(days=365)
_CHUNK = 500  # IN-list size for lookups (SQLite allows 32766 parameters, PostgreSQL 65535)


class ProvenanceError(Exception):
    """Refused by a rule; `reasons` says why, one sentence each."""

    def __init__(self, reasons: Sequence[str]):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


class ProductConflict(ProvenanceError):
    pass


class UnknownProduct(ProvenanceError):
    pass


class DuplicateSerials(ProvenanceError):
    pass


class EventsRejected(ProvenanceError):
    pass


class ClaimRejected(ProvenanceError):
    pass


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def register_product(
    session: Session, *, brand_id: uuid.UUID, gtin: str, name: str, metadata_cid: str | None = None
) -> Product:
    """A brand's GTIN (any of GTIN-8/12/13/14, stored as 14). Raises `InvalidGtin`, `ProductConflict`."""
    gtin14 = normalise_gtin(gtin)
    existing = session.exec(select(Product).where(Product.gtin == gtin14)).first()
    if existing is not None:
        owner = "this brand" if existing.brand_id == brand_id else "another brand"
        raise ProductConflict([f"GTIN {gtin14} is already registered by {owner}"])
    product = Product(gtin=gtin14, brand_id=brand_id, name=name, metadata_cid=metadata_cid)
    session.add(product)
    session.flush()
    return product


def product_for(session: Session, gtin: str) -> Product | None:
    return session.exec(select(Product).where(Product.gtin == normalise_gtin(gtin))).first()


def item_exists(session: Session, gtin14: str, serial: str) -> bool:
    statement = select(ProductItem.id).where(ProductItem.gtin == gtin14, ProductItem.serial == serial)
    return session.exec(statement).first() is not None


@dataclass(frozen=True)
class RegisteredSerials:
    batch: SerialBatch
    serials: list[str]
    claim_codes: dict[str, str]  # serial -> code, shown once to print inside the packaging; never stored


def register_serials(
    session: Session,
    *,
    product: Product,
    serials: Sequence[str] = (),
    ranges: Sequence[SerialRange] = (),
    claim_pepper: bytes | None = None,
) -> RegisteredSerials:
    """Serials of `product` as one batch with its Merkle root; with a pepper, one claim code per item.

    Raises `InvalidSerial` (format, duplicates within the request) or `DuplicateSerials`
    (already registered for this GTIN).
    """
    listed = expand(serials, ranges)
    taken: list[str] = []
    for chunk in _chunks(listed):
        taken += session.exec(
            select(ProductItem.serial).where(ProductItem.gtin == product.gtin, ProductItem.serial.in_(chunk))
        ).all()
    if taken:
        shown = ", ".join(sorted(taken)[:10]) + (" ..." if len(taken) > 10 else "")
        raise DuplicateSerials([f"{len(taken)} serials of GTIN {product.gtin} are already registered: {shown}"])
    root = serials_tree(product.gtin, listed).root
    batch = SerialBatch(product_id=product.id, serials_root="0x" + root.hex(), serial_count=len(listed))
    session.add(batch)
    session.flush()
    codes = {serial: generate_code() for serial in listed} if claim_pepper is not None else {}
    rows = [
        {
            "batch_id": batch.id,
            "gtin": product.gtin,
            "serial": serial,
            "claim_code_hash": code_hash(claim_pepper, product.gtin, serial, codes[serial]) if codes else None,
        }
        for serial in listed
    ]
    for chunk in _chunks(rows, 5000):
        session.exec(insert(ProductItem), params=list(chunk))
    return RegisteredSerials(batch=batch, serials=listed, claim_codes=codes)


# PostgreSQL: every key in one statement, as two arrays (a capture document names items of ~100
# GTINs; an IN list per GTIN was ~100 statements, each compiled and rendered by SQLAlchemy).
_ITEMS_OF_KEYS = text(
    "SELECT i.id, i.gtin, i.serial, p.brand_id FROM unnest(CAST(:gtins AS text[]), CAST(:serials AS text[])) "
    "AS k(gtin, serial) JOIN product_item i ON i.gtin = k.gtin AND i.serial = k.serial "
    "JOIN serial_batch b ON b.id = i.batch_id JOIN product p ON p.id = b.product_id"
)
_RECORDED_HASHES = text("SELECT event_hash FROM epcis_event WHERE event_hash = ANY(CAST(:hashes AS text[]))")


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _recorded_hashes(session: Session, hashes: Sequence[str]) -> list[str]:
    """Those of `hashes` already stored."""
    if _is_postgres(session):
        return list(session.execute(_RECORDED_HASHES, {"hashes": list(hashes)}).scalars())
    found: list[str] = []
    for chunk in _chunks(hashes):
        found += session.exec(select(EpcisEvent.event_hash).where(EpcisEvent.event_hash.in_(chunk))).all()
    return found


def _items_by_key(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, uuid.UUID]]:
    """(gtin, serial) -> (item id, brand id) for the registered ones among `keys`."""
    found: dict[tuple[str, str], tuple[int, uuid.UUID]] = {}
    if _is_postgres(session):
        rows = session.execute(_ITEMS_OF_KEYS, {"gtins": [g for g, _ in keys], "serials": [s for _, s in keys]})
        return {(gtin, serial): (item_id, brand_id) for item_id, gtin, serial, brand_id in rows}
    by_gtin: dict[str, list[str]] = {}
    for gtin, serial in keys:
        by_gtin.setdefault(gtin, []).append(serial)
    for gtin, serials in by_gtin.items():
        for chunk in _chunks(serials):
            rows = session.exec(
                select(ProductItem.id, ProductItem.serial, Product.brand_id)
                .join(SerialBatch, SerialBatch.id == ProductItem.batch_id)
                .join(Product, Product.id == SerialBatch.product_id)
                .where(ProductItem.gtin == gtin, ProductItem.serial.in_(chunk))
            ).all()
            found.update({(gtin, serial): (item_id, brand_id) for item_id, serial, brand_id in rows})
    return found


def _declared_id(event: dict) -> str | None:
    value = event.get("eventID")
    return value if isinstance(value, str) and len(value) <= 300 else None


def store_events(
    session: Session, *, actor_id: uuid.UUID, brand_id: uuid.UUID, events: Sequence[ValidatedEvent]
) -> list[int]:
    """Store validated events an actor recorded for a brand, each with its canonical hash; returns
    their ids, in order. Bulk writes (`event_store`), no ORM objects: the capture path.

    Every event must name at least one registered item of `brand_id`, and no event may be
    recorded twice. Whether the actor serves the brand is the caller's check (on-chain
    authorisation). Everything is checked before anything is written. Raises `EventsRejected`
    with every reason.
    """
    reasons: list[str] = []
    hashes = [event_hash(event.event, event.namespaces) for event in events]
    seen: dict[str, int] = {}
    for index, value in enumerate(hashes):
        if value in seen:
            reasons.append(f"event {index}: the same event as event {seen[value]}")
        seen.setdefault(value, index)
    for existing in sorted(_recorded_hashes(session, list(seen)), key=seen.__getitem__):
        reasons.append(f"event {seen[existing]}: already recorded as {existing}")
    items = _items_by_key(session, sorted({key for event in events for key in event.items}))
    for index, event in enumerate(events):
        if not event.items:
            reasons.append(f"event {index}: names no serialised item (an EPC URI or Digital Link with GTIN and serial)")
        for gtin, serial in event.items:
            if (gtin, serial) not in items:
                reasons.append(f"event {index}: serial {serial} of GTIN {gtin} is not registered")
            elif items[(gtin, serial)][1] != brand_id:
                reasons.append(f"event {index}: GTIN {gtin} is not a product of this brand")
    if reasons:
        raise EventsRejected(reasons)
    recorded_at = utcnow()
    rows = event_store.EventRows(
        events=[
            (value, CURRENT_ALGORITHM, actor_id, brand_id, event.event_type, event.biz_step, event.disposition,
             event.event_time, event.time_zone_offset, event.read_point, event.biz_location, event.event.get("action"),
             _declared_id(event.event), orjson.dumps({"event": event.event, "namespaces": event.namespaces}).decode(),
             recorded_at)
            for event, value in zip(events, hashes)
        ],
        items=[[items[key][0] for key in event.items] for event in events],
        epcs=[list(event_epcs(event.event)) for event in events],
    )
    try:
        return event_store.store(session, rows)
    except event_store.DuplicateEvents as exc:  # a concurrent request stored some of them first
        raise EventsRejected(
            [f"event {seen[value]}: already recorded as {value}" for value in sorted(exc.hashes, key=seen.__getitem__)]
        ) from None


def record_events(
    session: Session, *, actor_id: uuid.UUID, brand_id: uuid.UUID, events: Sequence[ValidatedEvent]
) -> list[EpcisEvent]:
    """`store_events`, returning the stored rows (in order) as ORM objects. Raises `EventsRejected`."""
    ids = store_events(session, actor_id=actor_id, brand_id=brand_id, events=events)
    found: dict[int, EpcisEvent] = {}
    for chunk in _chunks(ids):
        found.update((row.id, row) for row in session.exec(select(EpcisEvent).where(EpcisEvent.id.in_(chunk))))
    return [found[event_id] for event_id in ids]


@dataclass(frozen=True)
class PendingBatch:
    anchor: AnchorBatch
    event_hashes: list[bytes]  # 32-byte digests, in the order of `events`
    events: list[EpcisEvent]
    tree: MerkleTree

    def proof(self, digest: bytes) -> list[bytes]:
        return self.tree.proof(event_leaf(digest))


class BatchRaced(ProvenanceError):
    """Another batcher claimed some of the same events first; roll back and run again."""


def next_anchor_nonce(session: Session, actor_id: uuid.UUID) -> int:
    """The actor's next batch sequence number (its batches' largest + 1)."""
    largest = session.exec(select(func.max(AnchorBatch.nonce)).where(AnchorBatch.actor_id == actor_id)).one()
    return (largest or 0) + 1


def pending_pairs(session: Session, limit: int = 1000) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(actor, brand) pairs with unanchored events (read from the partial index of unanchored events)."""
    rows = session.exec(
        select(EpcisEvent.actor_id, EpcisEvent.brand_id)
        .where(EpcisEvent.anchor_batch_id.is_(None))
        .distinct()
        .limit(limit)
    ).all()
    return [(actor_id, brand_id) for actor_id, brand_id in rows]


def build_pending_batch(
    session: Session,
    *,
    actor_id: uuid.UUID,
    brand_id: uuid.UUID,
    nonce: int,
    limit: int = MAX_EVENTS_PER_ANCHOR,
    max_document_bytes: int | None = None,
) -> PendingBatch | None:
    """The actor's unanchored events for a brand as one Merkle root (leaves: ProvenanceRegistry event leaves).

    The events are assigned to a new `AnchorBatch` (status built), so a second call builds
    the next batch, never the same events twice. With `max_document_bytes`, the batch stops
    before the stored event documents add up to more (at least one event is taken). The
    events are claimed with a conditional update: when a concurrent batcher got some of them
    first, `BatchRaced` is raised and the caller rolls back. None when nothing is pending.
    """
    events = list(
        session.exec(
            select(EpcisEvent)
            .where(EpcisEvent.actor_id == actor_id, EpcisEvent.brand_id == brand_id, EpcisEvent.anchor_batch_id.is_(None))
            .order_by(EpcisEvent.id)
            .limit(limit)
        )
    )
    if max_document_bytes is not None:
        total = 0
        for taken, event in enumerate(events):
            total += len(event.document)
            if total > max_document_bytes and taken > 0:
                events = events[:taken]
                break
    if not events:
        return None
    digests = [hash_digest(event.event_hash) for event in events]
    tree = MerkleTree([event_leaf(digest) for digest in digests])
    anchor = AnchorBatch(
        actor_id=actor_id, brand_id=brand_id, events_root="0x" + tree.root.hex(), event_count=len(events), nonce=nonce
    )
    session.add(anchor)
    session.flush()
    claimed = 0
    for chunk in _chunks([event.id for event in events]):
        claimed += session.exec(
            update(EpcisEvent)
            .where(EpcisEvent.id.in_(chunk), EpcisEvent.anchor_batch_id.is_(None))
            .values(anchor_batch_id=anchor.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    if claimed != len(events):
        raise BatchRaced([f"{len(events) - claimed} of {len(events)} events were batched by another run"])
    for event in events:
        set_committed_value(event, "anchor_batch_id", anchor.id)
    return PendingBatch(anchor=anchor, event_hashes=digests, events=events, tree=tree)


def move_anchor(session: Session, anchor: AnchorBatch, expected: AnchorStatus, to: AnchorStatus, **values) -> bool:
    """Move `anchor` from `expected` to `to` (setting `values`) unless another run moved it first."""
    moved = session.exec(
        update(AnchorBatch)
        .where(AnchorBatch.id == anchor.id, AnchorBatch.status == expected)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved == 1:
        for name, value in {"status": to, **values}.items():
            set_committed_value(anchor, name, value)
    return moved == 1


def event_proof(session: Session, event: EpcisEvent) -> tuple[AnchorBatch, list[bytes]] | None:
    """The anchor batch of an event and the event's Merkle proof in it (rebuilt from the batch's events)."""
    if event.anchor_batch_id is None:
        return None
    anchor = session.get(AnchorBatch, event.anchor_batch_id)
    hashes = session.exec(select(EpcisEvent.event_hash).where(EpcisEvent.anchor_batch_id == anchor.id)).all()
    tree = MerkleTree([event_leaf(hash_digest(value)) for value in hashes])
    return anchor, tree.proof(event_leaf(hash_digest(event.event_hash)))


def mark_anchored(session: Session, anchor: AnchorBatch, *, chain_batch_id: bytes, block: int, at: datetime) -> None:
    anchor.chain_batch_id = "0x" + chain_batch_id.hex()
    anchor.status = AnchorStatus.ANCHORED
    anchor.anchored_block = block
    anchor.anchored_at = at
    session.add(anchor)
    session.flush()


def release_failed(session: Session, anchor: AnchorBatch) -> bool:
    """A batch whose transaction failed (or that expired unsigned): its events become pending
    again, for the next batch. False when another run already moved the batch on."""
    if anchor.status in (AnchorStatus.ANCHORED, AnchorStatus.FAILED):
        return False
    if not move_anchor(session, anchor, anchor.status, AnchorStatus.FAILED):
        return False
    session.exec(
        update(EpcisEvent)
        .where(EpcisEvent.anchor_batch_id == anchor.id)
        .values(anchor_batch_id=None)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return True


_SCANS = ProductScan.__table__
# Statements of the product page built once (Core, on the table): composing them per request cost
# more than running them.
RECORD_SCAN = insert(_SCANS).inline()  # the new row's id is not needed: no RETURNING
SCANS_SINCE = (
    select(_SCANS.c.scanned_at, _SCANS.c.client, _SCANS.c.country, _SCANS.c.link_preview)
    .where(_SCANS.c.gtin == bindparam("gtin"), _SCANS.c.serial == bindparam("serial"),
           _SCANS.c.scanned_at >= bindparam("since"))
    .order_by(_SCANS.c.scanned_at.desc())
    .limit(bindparam("limit"))
)
SCANS_READ = 2000  # the newest scans a page looks at
# PostgreSQL only (a data-modifying WITH): the scan stored and the item's earlier scans read in
# one statement, a third fewer statements per page than insert-then-read. The SELECT runs on the
# statement's snapshot, which does not hold the CTE's own row; `with_own_scan` puts it in.
RECORD_SCAN_READING_EARLIER = SCANS_SINCE.add_cte(
    insert(_SCANS).values({column.name: bindparam(column.name) for column in _SCANS.columns if not column.primary_key})
    .cte("recorded")
)


@dataclass(frozen=True)
class ScanRecord:
    """One scan of a product's code, as `RECORD_SCAN` stores it."""

    gtin: str
    serial: str
    client: str  # `scan_signals.client_key`
    country: str | None
    link_preview: bool
    at: datetime

    def row(self) -> dict:
        return {"gtin": self.gtin, "serial": self.serial, "client": self.client, "country": self.country,
                "link_preview": self.link_preview, "scanned_at": self.at}


def record_scan(session: Session, scan: ScanRecord) -> None:
    session.connection().execute(RECORD_SCAN, scan.row())


def claim_product(session: Session, *, gtin: str, serial: str, code: str, pepper: bytes, at: datetime) -> datetime:
    """Record the buyer's claim; a code works once. Raises `ClaimRejected` with the reason."""
    item = session.exec(
        select(ProductItem).where(ProductItem.gtin == gtin, ProductItem.serial == serial)
    ).first()
    if item is None or item.claim_code_hash is None:
        raise ClaimRejected(["this product has no claim code"])
    try:
        normalise_code(code)
    except InvalidClaimCode as exc:
        raise ClaimRejected([str(exc)]) from None
    if not code_matches(pepper, gtin, serial, code, item.claim_code_hash):
        raise ClaimRejected(["the claim code is not right for this product"])
    # Conditional update: of two claims racing with the same code, exactly one changes the row.
    claimed = session.exec(
        update(ProductItem)
        .where(ProductItem.id == item.id, ProductItem.claimed_at.is_(None))
        .values(claimed_at=at)
    ).rowcount
    if claimed != 1:
        session.refresh(item)
        raise ClaimRejected([f"this product was already claimed on {item.claimed_at:%-d %B %Y}"])
    return at


def scans_parameters(gtin: str, serial: str, since: datetime, limit: int = SCANS_READ) -> dict:
    return {"gtin": gtin, "serial": serial, "since": since, "limit": limit}


def recording_parameters(scan: ScanRecord, since: datetime) -> dict:
    """Parameters of `RECORD_SCAN_READING_EARLIER`: one fewer earlier scan, as `scan` is the other."""
    return {**scan.row(), **scans_parameters(scan.gtin, scan.serial, since, SCANS_READ - 1)}


def with_own_scan(scan: ScanRecord, earlier: Sequence[Scan]) -> list[Scan]:
    """`earlier` (newest first) with `scan` where it belongs: first, unless another process's
    clock recorded one later."""
    own = Scan(scan.at, scan.client, scan.country, scan.link_preview)
    position = next((index for index, other in enumerate(earlier) if other.at <= scan.at), len(earlier))
    return [*earlier[:position], own, *earlier[position:]]


def scans_since(session: Session, gtin: str, serial: str, since: datetime, limit: int = SCANS_READ) -> list[Scan]:
    rows = session.connection().execute(SCANS_SINCE, scans_parameters(gtin, serial, since, limit)).all()
    return [Scan(*row) for row in rows]


def authorise_actor(session: Session, *, brand_id: uuid.UUID, actor_id: uuid.UUID, at: datetime) -> bool:
    """Let `actor_id` record events for `brand_id`; False when it already could."""
    row = session.get(BrandActor, (brand_id, actor_id))
    if row is not None and row.revoked_at is None:
        return False
    if row is None:
        row = BrandActor(brand_id=brand_id, actor_id=actor_id, authorised_at=at)
    else:
        row.authorised_at, row.revoked_at = at, None
    session.add(row)
    session.flush()
    return True


def revoke_actor(session: Session, *, brand_id: uuid.UUID, actor_id: uuid.UUID, at: datetime) -> bool:
    """Withdraw the actor's authorisation; False when it had none."""
    row = session.get(BrandActor, (brand_id, actor_id))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = at
    session.add(row)
    session.flush()
    return True


def actor_serves(session: Session, *, brand_id: uuid.UUID, actor_id: uuid.UUID) -> bool:
    row = session.get(BrandActor, (brand_id, actor_id))
    return row is not None and row.revoked_at is None


def register_tag(session: Session, *, uid: bytes, gtin14: str, serial: str) -> SunTag:
    """Bind an NTAG 424 DNA tag (by UID) to the item it is attached to."""
    tag = SunTag(uid=uid.hex().upper(), gtin=gtin14, serial=serial)
    session.add(tag)
    session.flush()
    return tag


@dataclass(frozen=True)
class TagCheck:
    forged: bool  # the tag is unknown or bound to another item
    replayed: bool  # its counter did not increase: a copied URL


def check_tag(session: Session, *, gtin14: str, serial: str, reading: SunReading) -> TagCheck:
    """Accept a verified tap only with a counter above every earlier one of this UID."""
    uid = reading.uid.hex().upper()
    tag = session.get(SunTag, uid)
    if tag is None or (tag.gtin, tag.serial) != (gtin14, serial):
        return TagCheck(forged=True, replayed=False)
    # Conditional update: of two taps racing with the same counter, one moves it forward.
    moved = session.exec(
        update(SunTag)
        .where(SunTag.uid == uid, (SunTag.last_counter.is_(None)) | (SunTag.last_counter < reading.counter))
        .values(last_counter=reading.counter)
    ).rowcount
    return TagCheck(forged=False, replayed=moved != 1)
