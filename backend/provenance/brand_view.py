"""What a brand reads about its own products: the catalogue with its serial batches, the serials
of a batch, one serial's EPCIS history with anchoring status, and scan analytics.

Read-only; the brand console (``web/pages/brand.js``) shows it. Anchoring status is the
backend's own record (`anchor_batch.status`): an event without an anchored batch is pending.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, cast, func, literal
from sqlmodel import Session, col, select

from backend.chain.outbox import FINAL, OutboxStatus, OutboxTransaction

from backend.provenance.models import AnchorBatch, AnchorStatus, EpcisEvent, EpcisEventItem, Product, ProductItem, ProductScan, SerialBatch
from backend.provenance.page import ChainFacts, RecordedChainFacts
from backend.provenance.scan_signals import Scan, summarise

MAX_SERIALS_PAGE = 500
MAX_PRODUCTS_PAGE = 500
MAX_SCANS_READ = 50_000  # scans of one product read for the analytics window


@dataclass(frozen=True)
class BatchSummary:
    batch_id: uuid.UUID
    serial_count: int
    first_serial: str | None
    last_serial: str | None
    claimed: int
    registered_on_chain: bool  # the mirror has a SerialBatchRegistered of its root; False while pending
    created_at: datetime


@dataclass(frozen=True)
class ProductSummary:
    gtin: str
    name: str
    metadata_cid: str | None
    created_at: datetime
    serial_count: int
    batches: list[BatchSummary]
    recall: str = "none"  # "none", "requested" (queued or sent, not yet mirrored), or "recalled" (the chain says)


@dataclass(frozen=True)
class SerialRow:
    serial: str
    claimed_at: datetime | None


@dataclass(frozen=True)
class SerialPage:
    serials: list[SerialRow]
    next_after: str | None  # pass as `after` for the next page; None on the last


@dataclass(frozen=True)
class HistoryEntry:
    event_hash: str
    event_type: str
    biz_step: str
    disposition: str | None
    action: str | None
    event_time: datetime
    time_zone_offset: str
    read_point: str
    biz_location: str | None
    recorded_at: datetime
    anchor_status: str  # "pending" (not in a batch yet), or an AnchorStatus value
    anchored_block: int | None
    anchored_at: datetime | None


@dataclass(frozen=True)
class DayCount:
    day: date
    scans: int  # by people (link previews excluded)
    previews: int


@dataclass(frozen=True)
class CloneSignal:
    serial: str
    registered: bool  # False: a scan of a serial the brand never registered (a made-up or copied code)
    scans: int
    distinct_clients: int
    far_apart: str | None  # "from → to in N h" when two scans no traveller could have made


@dataclass(frozen=True)
class ClaimRow:
    serial: str
    claimed_at: datetime


@dataclass(frozen=True)
class ScanAnalytics:
    since: date
    until: date
    days: list[DayCount]
    clone_signals: list[CloneSignal]
    claims: list[ClaimRow]
    claimed_total: int


RECALL_KIND = "ProvenanceRegistry.setProductClassRecall"


def recall_reference(gtin14: str) -> str:
    """The outbox reference of a product's recall transaction."""
    return f"recall:{gtin14}"


class RecallAlreadyRequested(Exception):
    def __init__(self, gtin14: str, state: str):
        super().__init__(f"product {gtin14} is already {state}")
        self.state = state


def recall_states(session: Session, gtins: list[str], chain: ChainFacts) -> dict[str, str]:
    """Each product's recall state, in two queries however many products: "recalled" once the
    chain (its mirror) says so; "requested" while a recall transaction is queued, in flight or
    mined but not yet mirrored; else "none" (a failed or reverted recall counts as none)."""
    if not gtins:
        return {}
    recalled = set(session.exec(select(Product.gtin).where(
        col(Product.gtin).in_(gtins), chain.recalled(cast(Product.gtin, BigInteger), literal(None)))).all())
    references = {recall_reference(gtin): gtin for gtin in gtins}
    requested = {references[reference] for reference in session.exec(
        select(OutboxTransaction.reference).where(
            OutboxTransaction.kind == RECALL_KIND, col(OutboxTransaction.reference).in_(references),
            col(OutboxTransaction.status).not_in([s for s in FINAL if s != OutboxStatus.MINED]))).all()}
    return {gtin: "recalled" if gtin in recalled else "requested" if gtin in requested else "none" for gtin in gtins}


def recall_state(session: Session, gtin14: str, chain: ChainFacts) -> str:
    """One product's recall state (see `recall_states`)."""
    return recall_states(session, [gtin14], chain)[gtin14]


def check_recallable(session: Session, gtin14: str, chain: ChainFacts) -> None:
    """Raises `RecallAlreadyRequested` when the product is recalled or its recall is on the way."""
    state = recall_state(session, gtin14, chain)
    if state != "none":
        raise RecallAlreadyRequested(gtin14, state)


def products_of(session: Session, brand_id: uuid.UUID, chain: ChainFacts | None = None, *,
                limit: int | None = None, offset: int = 0) -> list[ProductSummary]:
    """The brand's products, newest first, each with its serial batches and recall state; `limit`
    products from `offset` (all when None). Only the page's batches and serials are read."""
    chain = chain or RecordedChainFacts()
    products = session.exec(
        select(Product).where(Product.brand_id == brand_id).order_by(col(Product.created_at).desc(), col(Product.gtin))
        .offset(offset).limit(limit)
    ).all()
    if not products:
        return []
    by_id = {product.id: product for product in products}
    stats = session.exec(
        select(
            SerialBatch.id, SerialBatch.product_id, SerialBatch.serial_count,
            chain.batch_registered(cast(Product.gtin, BigInteger), SerialBatch.serials_root),
            SerialBatch.created_at, func.min(ProductItem.serial), func.max(ProductItem.serial),
            func.count(ProductItem.claimed_at),
        )
        .join(Product, col(Product.id) == col(SerialBatch.product_id))
        .join(ProductItem, col(ProductItem.batch_id) == col(SerialBatch.id), isouter=True)
        .where(col(SerialBatch.product_id).in_(list(by_id)))
        .group_by(SerialBatch.id, Product.id)
        .order_by(col(SerialBatch.created_at))
    ).all()
    batches: dict[uuid.UUID, list[BatchSummary]] = defaultdict(list)
    for batch_id, product_id, count, registered, created, first, last, claimed in stats:
        batches[product_id].append(BatchSummary(batch_id, count, first, last, claimed, bool(registered), created))
    recalls = recall_states(session, [product.gtin for product in products], chain)
    return [
        ProductSummary(p.gtin, p.name, p.metadata_cid, p.created_at,
                       sum(b.serial_count for b in batches[p.id]), batches[p.id], recalls[p.gtin])
        for p in products
    ]


def serials_of(session: Session, product: Product, *, batch_id: uuid.UUID | None = None, after: str | None = None,
               limit: int = 100) -> SerialPage:
    """A page of the product's serials in serial order (keyset on the serial)."""
    limit = max(1, min(limit, MAX_SERIALS_PAGE))
    query = select(ProductItem.serial, ProductItem.claimed_at).where(ProductItem.gtin == product.gtin)
    if batch_id is not None:
        query = query.where(ProductItem.batch_id == batch_id)
    if after is not None:
        query = query.where(col(ProductItem.serial) > after)
    rows = session.exec(query.order_by(col(ProductItem.serial)).limit(limit + 1)).all()
    page = [SerialRow(serial, claimed) for serial, claimed in rows[:limit]]
    return SerialPage(page, page[-1].serial if len(rows) > limit else None)


def serial_history(session: Session, gtin14: str, serial: str) -> list[HistoryEntry]:
    """The item's EPCIS events in event-time order, each with its anchor batch's status."""
    rows = session.exec(
        select(EpcisEvent, AnchorBatch)
        .join(EpcisEventItem, col(EpcisEventItem.event_id) == col(EpcisEvent.id))
        .join(ProductItem, col(ProductItem.id) == col(EpcisEventItem.item_id))
        .join(AnchorBatch, col(AnchorBatch.id) == col(EpcisEvent.anchor_batch_id), isouter=True)
        .where(ProductItem.gtin == gtin14, ProductItem.serial == serial)
        .order_by(col(EpcisEvent.event_time), col(EpcisEvent.id))
    ).all()
    entries = []
    for event, anchor in rows:
        status = "pending" if anchor is None else str(anchor.status)
        anchored = anchor is not None and anchor.status == AnchorStatus.ANCHORED
        entries.append(HistoryEntry(
            event.event_hash, event.event_type, event.biz_step, event.disposition, event.action, event.event_time,
            event.time_zone_offset, event.read_point, event.biz_location, event.recorded_at, status,
            anchor.anchored_block if anchored else None, anchor.anchored_at if anchored else None,
        ))
    return entries


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def scan_analytics(session: Session, product: Product, *, until: datetime, days: int = 30,
                   claims_limit: int = 50) -> ScanAnalytics:
    """Scans per day over the last `days` (UTC days), serials with clone signals, the latest claims."""
    days = max(1, min(days, 366))
    last_day = until.date()
    first_day = last_day - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=until.tzinfo)
    rows = session.exec(
        select(ProductScan.serial, ProductScan.scanned_at, ProductScan.client, ProductScan.country,
               ProductScan.link_preview)
        .where(ProductScan.gtin == product.gtin, col(ProductScan.scanned_at) >= start,
               col(ProductScan.scanned_at) <= until)
        .order_by(col(ProductScan.scanned_at))
        .limit(MAX_SCANS_READ)
    ).all()
    per_day: dict[date, list[int]] = {first_day + timedelta(days=i): [0, 0] for i in range(days)}
    per_serial: dict[str, list[Scan]] = defaultdict(list)
    for serial, at, client, country, preview in rows:
        counts = per_day.get(at.date())
        if counts is not None:
            counts[1 if preview else 0] += 1
        per_serial[serial].append(Scan(at, client, country, preview))
    known = set()
    serials = list(per_serial)
    for start_index in range(0, len(serials), 500):
        chunk = serials[start_index:start_index + 500]
        known |= set(session.exec(select(ProductItem.serial).where(
            ProductItem.gtin == product.gtin, col(ProductItem.serial).in_(chunk))).all())
    signals = []
    for serial, scans in sorted(per_serial.items()):
        summary = summarise(scans)
        far = summary.far_apart
        if serial in known and far is None:
            continue
        signals.append(CloneSignal(
            serial, serial in known, summary.scans, summary.distinct_clients,
            f"{far.first_country} → {far.second_country} in {_hours(far.apart)}" if far else None,
        ))
    claimed = session.exec(
        select(ProductItem.serial, ProductItem.claimed_at)
        .where(ProductItem.gtin == product.gtin, col(ProductItem.claimed_at).is_not(None))
        .order_by(col(ProductItem.claimed_at).desc()).limit(claims_limit)
    ).all()
    total = session.exec(select(func.count()).select_from(ProductItem).where(
        ProductItem.gtin == product.gtin, col(ProductItem.claimed_at).is_not(None))).one()
    return ScanAnalytics(
        first_day, last_day, [DayCount(day, c[0], c[1]) for day, c in per_day.items()], signals,
        [ClaimRow(serial, at) for serial, at in claimed], total,
    )
