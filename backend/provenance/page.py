"""The consumer page's view-model for one item, built from the database and the chain's facts.

Chain facts (which anchor batches are in a block, which products are recalled) come from
a `ChainFacts`: `RecordedChainFacts` reads what the backend's own tables hold; the
indexer's mirror of ProvenanceRegistry events provides another with the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import BigInteger, ColumnElement, Select, bindparam, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from backend.identity.models import Participant
from backend.provenance.digital_link import DigitalLink
from backend.provenance.identifiers import CANONICAL_HOST, UnsupportedIdentifier, canonical_uri
from backend.provenance.models import AnchorBatch, EpcisEvent, EpcisEventItem, Product, ProductItem, SerialBatch
from backend.provenance.scan_signals import ScanPolicy, summarise
from backend.provenance.service import SCAN_LOOKBACK, TagCheck, scans_since
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
def _page_query(chain: ChainFacts) -> Select:
    """The item, its brand, chain facts and events: one row per event (one with NULL event
    columns when there is none), the item's columns repeated. Built once: composing the
    statement cost more than running it."""
    brand, actor = aliased(Participant), aliased(Participant)
    return (
        select(
            ProductItem.claimed_at, Product.name, brand.display_name.label("brand_name"),
            chain.recalled(bindparam("gtin_number", type_=BigInteger), SerialBatch.serials_root).label("chain_recalled"),
            EpcisEvent.biz_step, EpcisEvent.disposition, EpcisEvent.read_point, EpcisEvent.biz_location,
            EpcisEvent.event_time, EpcisEvent.time_zone_offset, EpcisEvent.event_hash,
            actor.display_name.label("actor_name"), chain.anchored_block(AnchorBatch).label("block"),
        )
        .select_from(ProductItem)
        .join(SerialBatch, SerialBatch.id == ProductItem.batch_id)
        .join(Product, Product.id == SerialBatch.product_id)
        .join(brand, brand.id == Product.brand_id)
        .outerjoin(EpcisEventItem, EpcisEventItem.item_id == ProductItem.id)
        .outerjoin(EpcisEvent, EpcisEvent.id == EpcisEventItem.event_id)
        .outerjoin(actor, actor.id == EpcisEvent.actor_id)
        .outerjoin(AnchorBatch, AnchorBatch.id == EpcisEvent.anchor_batch_id)
        .where(ProductItem.gtin == bindparam("gtin"), ProductItem.serial == bindparam("serial"))
        .order_by(EpcisEvent.event_time, EpcisEvent.id)
    )


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
    chain = chain or RecordedChainFacts()
    path = DigitalLink(gtin, serial).path()
    found = session.connection().execute(
        _page_query(chain), {"gtin": gtin, "serial": serial, "gtin_number": int(gtin)}
    ).all()
    if not found:
        product_name = session.exec(select(Product.name).where(Product.gtin == gtin)).first()
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
    signals = summarise(scans_since(session, gtin, serial, now - SCAN_LOOKBACK), scan_policy)
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
        claimed_at=item.claimed_at,
    )
    assessment = assess(facts, verdict_policy)
    PROVENANCE_SCANS.labels(assessment.verdict.value).inc()
    return ProductPage(
        gtin, serial, path, item.name, item.brand_name,
        assessment.verdict, assessment.reason, assessment.claim_note, timeline, now,
    )
