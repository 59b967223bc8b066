"""The consumer page's view-model for one item, built from the database and the chain's facts.

Chain facts (which anchor batches are in a block, which products are recalled) come from
a `ChainFacts`: `RecordedChainFacts` reads what the backend's own tables hold; the
indexer's mirror of ProvenanceRegistry events provides another with the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import BigInteger, ColumnElement, Engine, Select, and_, bindparam, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from backend.identity.models import Participant
from backend.provenance.digital_link import DigitalLink
from backend.provenance.identifiers import CANONICAL_HOST, UnsupportedIdentifier, canonical_uri
from backend.provenance.models import AnchorBatch, EpcisEvent, EpcisEventItem, Product, ProductItem, SerialBatch
from backend.provenance.scan_signals import Scan, ScanPolicy, summarise
from backend.provenance.service import (
    RECORD_SCAN_READING_EARLIER, SCAN_LOOKBACK, ScanRecord, TagCheck, record_scan, recording_parameters, scans_since,
    with_own_scan,
)
from backend.core import db_pipeline
from backend.core.metrics import PROVENANCE_SCANS
from backend.provenance.verdict import ProductFacts, Verdict, VerdictPolicy, assess
from backend.provenance.verdict_policy import disposition_word, history_facts, step_title

class ChainFacts(Protocol):
    """SQL for the chain's facts, so the page reads item, history and facts in one query.

    Implementations are hashable values: the page's query is built once per facts source.
    """

    def anchored_block(self, anchor: type[AnchorBatch]) -> ColumnElement:
        """The block a row of `anchor` is anchored in; NULL while it is not on chain."""
        ...

    def recalled(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        """Whether the product class (GTIN as a number) or its serial batch (by root) is recalled."""
        ...

    def batch_registered(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        """Whether a serial batch with this root is registered on chain for the product class."""
        ...


@dataclass(frozen=True)
class RecordedChainFacts:
    """What the backend recorded itself: `anchor_batch.anchored_block`; no recall or serial batch mirror."""

    def anchored_block(self, anchor: type[AnchorBatch]) -> ColumnElement:
        return anchor.anchored_block

    def recalled(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        return literal(False)

    def batch_registered(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        return literal(False)


@lru_cache(maxsize=8)
def page_query(chain: ChainFacts) -> Select:
    """The product class, its brand, the item, chain facts and events: one row per event (one
    with NULL event columns when there is none; item columns NULL too when the serial is not
    registered), the product's columns repeated; no row when the GTIN is not registered.
    Built once: composing the statement cost more than running it."""
    brand, actor = aliased(Participant), aliased(Participant)
    item_of_product = ProductItem.__table__.join(SerialBatch, SerialBatch.id == ProductItem.batch_id)
    return (
        select(
            Product.name, brand.display_name.label("brand_name"),
            ProductItem.id.label("item_id"), ProductItem.claimed_at,
            chain.recalled(bindparam("gtin_number", type_=BigInteger), SerialBatch.serials_root).label("chain_recalled"),
            EpcisEvent.biz_step, EpcisEvent.disposition, EpcisEvent.read_point, EpcisEvent.biz_location,
            EpcisEvent.event_time, EpcisEvent.time_zone_offset, EpcisEvent.event_hash,
            actor.display_name.label("actor_name"), chain.anchored_block(AnchorBatch).label("block"),
        )
        .select_from(Product)
        .join(brand, brand.id == Product.brand_id)
        .outerjoin(
            item_of_product,
            and_(SerialBatch.product_id == Product.id,
                 ProductItem.gtin == bindparam("gtin"), ProductItem.serial == bindparam("serial")),
        )
        .outerjoin(EpcisEventItem, EpcisEventItem.item_id == ProductItem.id)
        .outerjoin(EpcisEvent, EpcisEvent.id == EpcisEventItem.event_id)
        .outerjoin(actor, actor.id == EpcisEvent.actor_id)
        .outerjoin(AnchorBatch, AnchorBatch.id == EpcisEvent.anchor_batch_id)
        .where(Product.gtin == bindparam("gtin"))
        .order_by(EpcisEvent.event_time, EpcisEvent.id)
    )


def page_parameters(gtin: str, serial: str) -> dict:
    """`page_query`'s parameters for one item."""
    return {"gtin": gtin, "serial": serial, "gtin_number": int(gtin)}


@dataclass(frozen=True)
class TimelineEntry:
    title: str
    outcome: str | None
    place: str
    actor: str
    when: str
    when_iso: str
    anchored_block: int | None
    event_hash: str


@dataclass(frozen=True)
class ProductPage:
    gtin: str
    serial: str
    path: str  # the Digital Link path of the item
    product_name: str | None
    brand_name: str | None
    verdict: Verdict
    reason: str
    claim_note: str | None
    timeline: list[TimelineEntry]
    checked_at: datetime


@lru_cache(maxsize=4096)  # a pure function of the id; a page repeats a few sites' ids over and over
def describe_place(uri: str) -> str:
    """Plain words for a read point or business location id."""
    if uri.startswith("geo:"):
        return "map position " + uri[4:].split(";")[0].replace(",", ", ")
    try:
        canonical = canonical_uri(uri)
    except UnsupportedIdentifier:
        canonical = None
    if canonical is not None:
        segments = canonical.removeprefix(CANONICAL_HOST).strip("/").split("/")
        if segments[0] == "414":
            return f"site {segments[1]}" + (f", point {segments[3]}" if len(segments) == 4 else "")
    return uri


@lru_cache(maxsize=256)
def _zone(offset: str) -> tuple[timezone, str]:
    """The fixed zone of an EPCIS offset (``+01:00``) and its label, parsed once per offset."""
    sign = 1 if offset.startswith("+") else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    label = "UTC" if offset in ("+00:00", "-00:00") else f"UTC{offset}"
    return timezone(sign * timedelta(hours=hours, minutes=minutes)), label


def _local_time(moment: datetime, offset: str) -> str:
    zone, label = _zone(offset)
    return f"{moment.astimezone(zone):%-d %B %Y, %H:%M} ({label})"


def build_page(
    session: Session,
    *,
    gtin: str,
    serial: str,
    now: datetime,
    chain: ChainFacts | None = None,
    verdict_policy: VerdictPolicy = VerdictPolicy(),
    scan_policy: ScanPolicy = ScanPolicy(),
    tag: TagCheck | None = None,
) -> ProductPage:
    """Everything the page shows for `gtin`/`serial` (already validated), and the verdict.

    Two queries of columns, not entities (the item with its history and chain facts, then its
    scans), because this page is what every scan of every product opens.
    """
    found = session.connection().execute(page_query(chain or RecordedChainFacts()), page_parameters(gtin, serial)).all()
    scans = scans_since(session, gtin, serial, now - SCAN_LOOKBACK) if found and found[0].item_id is not None else []
    return assemble_page(
        found, scans, gtin=gtin, serial=serial, now=now, verdict_policy=verdict_policy, scan_policy=scan_policy, tag=tag
    )


def record_scan_and_build_page(
    engine: Engine,
    scan: ScanRecord,
    *,
    chain: ChainFacts | None = None,
    check_tag: Callable[[Session], TagCheck] | None = None,
) -> ProductPage:
    """Record `scan` and build its item's page in one transaction: the page reads its own scan.

    On PostgreSQL without a tag to check this is two statements in one round trip
    (`db_pipeline`): the insert with the read of the earlier scans, and the page's read. It is
    what every scan of every product costs. A tag check reads and moves the tag's counter
    between the insert and the reads, so it takes a Session, as does SQLite.
    """
    chain = chain or RecordedChainFacts()
    if check_tag is None and db_pipeline.pipelines(engine):
        earlier, found = db_pipeline.run(engine, [
            db_pipeline.Step(RECORD_SCAN_READING_EARLIER, recording_parameters(scan, scan.at - SCAN_LOOKBACK)),
            db_pipeline.Step(page_query(chain), page_parameters(scan.gtin, scan.serial)),
        ])
        scans = with_own_scan(scan, [Scan(*row) for row in earlier])
        return assemble_page(found, scans, gtin=scan.gtin, serial=scan.serial, now=scan.at)
    with Session(engine) as session:
        record_scan(session, scan)
        tag = check_tag(session) if check_tag is not None else None
        page = build_page(session, gtin=scan.gtin, serial=scan.serial, now=scan.at, chain=chain, tag=tag)
        session.commit()
    return page


def assemble_page(
    found: Sequence,
    scans: Sequence[Scan],
    *,
    gtin: str,
    serial: str,
    now: datetime,
    verdict_policy: VerdictPolicy = VerdictPolicy(),
    scan_policy: ScanPolicy = ScanPolicy(),
    tag: TagCheck | None = None,
) -> ProductPage:
    """The page from `page_query`'s rows (``found``) and the item's scans since
    ``now - SCAN_LOOKBACK``, newest first; no database work."""
    path = DigitalLink(gtin, serial).path()
    if not found or found[0].item_id is None:
        # A serial the brand never registered shows the product's name but not the brand's:
        # a made-up serial on a real GTIN does not borrow the brand's name.
        product_name = found[0].name if found else None
        assessment = assess(ProductFacts(registered=False), verdict_policy)
        PROVENANCE_SCANS.labels(assessment.verdict.value).inc()
        return ProductPage(
            gtin, serial, path, product_name, None,
            assessment.verdict, assessment.reason, None, [], now,
        )
    item = found[0]
    rows = [row for row in found if row.event_hash is not None]
    timeline = [
        TimelineEntry(
            title=step_title(row.biz_step),
            outcome=disposition_word(row.disposition),
            place=describe_place(row.biz_location or row.read_point),
            actor=row.actor_name,
            when=_local_time(row.event_time, row.time_zone_offset),
            when_iso=row.event_time.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            anchored_block=row.block,
            event_hash=row.event_hash,
        )
        for row in rows
    ]
    history = history_facts((row.biz_step, row.disposition) for row in rows)
    signals = summarise(scans, scan_policy)
    anchored = sum(1 for entry in timeline if entry.anchored_block is not None)
    facts = ProductFacts(
        registered=True,
        anchored_events=anchored,
        pending_events=len(timeline) - anchored,
        recalled=bool(item.chain_recalled) or history.recalled,
        destroyed=history.destroyed,
        retail_sales=history.retail_sales,
        distinct_clients=signals.distinct_clients,
        far_apart_scans=signals.far_apart,
        tag_replayed=tag is not None and tag.replayed,
        tag_forged=tag is not None and tag.forged,
        claimed_at=item.claimed_at and item.claimed_at.astimezone(timezone.utc),
    )
    assessment = assess(facts, verdict_policy)
    PROVENANCE_SCANS.labels(assessment.verdict.value).inc()
    return ProductPage(
        gtin, serial, path, item.name, item.brand_name,
        assessment.verdict, assessment.reason, assessment.claim_note, timeline, now,
    )
