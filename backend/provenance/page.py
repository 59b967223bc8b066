"""The consumer page's view-model for one item, built from the database and the chain's facts.

Chain facts (which anchor batches are in a block, which products are recalled) come from
a `ChainFacts`: `RecordedChainFacts` reads what the backend's own tables hold; the
indexer's mirror of ProvenanceRegistry events provides another with the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlmodel import Session, select

from backend.identity.models import Participant
from backend.provenance.digital_link import DigitalLink
from backend.provenance.identifiers import CANONICAL_HOST, UnsupportedIdentifier, canonical_uri
from backend.provenance.models import AnchorBatch, EpcisEvent, EpcisEventItem, Product, ProductItem, SerialBatch
from backend.provenance.scan_signals import Scan, ScanPolicy, summarise
from backend.provenance.service import SCAN_LOOKBACK, TagCheck, scans_since
from backend.provenance.verdict import ProductFacts, Verdict, VerdictPolicy, assess

STEP_TITLES = {
    "commissioning": "Made",
    "inspecting": "Quality check",
    "packing": "Packed",
    "shipping": "Shipped",
    "holding": "Held at customs",
    "receiving": "Received",
    "retail_selling": "Sold in a shop",
}
DISPOSITION_WORDS = {
    "conformant": "passed",
    "non_conformant": "failed",
    "recalled": "recalled",
    "destroyed": "destroyed",
    "damaged": "damaged",
    "in_transit": "in transit",
}


class ChainFacts(Protocol):
    def anchored_block(self, anchor: AnchorBatch) -> int | None: ...

    def recalled(self, product: Product, batch: SerialBatch) -> bool: ...


class RecordedChainFacts:
    """What the backend recorded itself: `anchor_batch.anchored_block`; no recall mirror."""

    def anchored_block(self, anchor: AnchorBatch) -> int | None:
        return anchor.anchored_block

    def recalled(self, product: Product, batch: SerialBatch) -> bool:
        return False


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


def _local_time(moment: datetime, offset: str) -> str:
    sign = 1 if offset.startswith("+") else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    local = moment.astimezone(zone)
    label = "UTC" if offset in ("+00:00", "-00:00") else f"UTC{offset}"
    return f"{local:%-d %B %Y, %H:%M} ({label})"


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
    """Everything the page shows for `gtin`/`serial` (already validated), and the verdict."""
    chain = chain or RecordedChainFacts()
    path = DigitalLink(gtin, serial).path()
    found = session.exec(
        select(ProductItem, SerialBatch, Product, Participant)
        .join(SerialBatch, SerialBatch.id == ProductItem.batch_id)
        .join(Product, Product.id == SerialBatch.product_id)
        .join(Participant, Participant.id == Product.brand_id)
        .where(ProductItem.gtin == gtin, ProductItem.serial == serial)
    ).first()
    if found is None:
        product = session.exec(select(Product).where(Product.gtin == gtin)).first()
        assessment = assess(ProductFacts(registered=False), verdict_policy)
        return ProductPage(
            gtin, serial, path, product.name if product else None, None,
            assessment.verdict, assessment.reason, None, [], now,
        )
    item, batch, product, brand = found
    rows = session.exec(
        select(EpcisEvent, Participant, AnchorBatch)
        .join(EpcisEventItem, EpcisEventItem.event_id == EpcisEvent.id)
        .join(Participant, Participant.id == EpcisEvent.actor_id)
        .outerjoin(AnchorBatch, AnchorBatch.id == EpcisEvent.anchor_batch_id)
        .where(EpcisEventItem.item_id == item.id)
        .order_by(EpcisEvent.event_time, EpcisEvent.id)
    ).all()
    timeline = []
    for event, actor, anchor in rows:
        timeline.append(
            TimelineEntry(
                title=STEP_TITLES.get(event.biz_step, event.biz_step),
                outcome=DISPOSITION_WORDS.get(event.disposition or ""),
                place=describe_place(event.biz_location or event.read_point),
                actor=actor.display_name,
                when=_local_time(event.event_time, event.time_zone_offset),
                when_iso=event.event_time.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                anchored_block=chain.anchored_block(anchor) if anchor is not None else None,
                event_hash=event.event_hash,
            )
        )
    dispositions = {event.disposition for event, _, _ in rows}
    signals = summarise(
        (Scan(scan.scanned_at, scan.client, scan.country, scan.link_preview) for scan in scans_since(
            session, gtin, serial, now - SCAN_LOOKBACK
        )),
        scan_policy,
    )
    anchored = sum(1 for entry in timeline if entry.anchored_block is not None)
    facts = ProductFacts(
        registered=True,
        anchored_events=anchored,
        pending_events=len(timeline) - anchored,
        recalled=chain.recalled(product, batch) or "recalled" in dispositions,
        destroyed="destroyed" in dispositions,
        retail_sales=sum(1 for event, _, _ in rows if event.biz_step == "retail_selling"),
        distinct_clients=signals.distinct_clients,
        far_apart_scans=signals.far_apart,
        tag_replayed=tag is not None and tag.replayed,
        tag_forged=tag is not None and tag.forged,
        claimed_at=item.claimed_at,
    )
    assessment = assess(facts, verdict_policy)
    return ProductPage(
        gtin, serial, path, product.name, brand.display_name,
        assessment.verdict, assessment.reason, assessment.claim_note, timeline, now,
    )
