"""What a consumer is told about one product: genuine, unverified or suspicious, in plain words.

A pure function of the product's facts, so every branch is tested without a database.
Order matters: an unknown serial is unverified whatever else is known (nothing to
protect); any red flag then makes it suspicious, even if its history is anchored; only a
registered, anchored, unflagged item is genuine. Scan signals enter already filtered
(bots and repeat loads removed, see `scan_signals`), so a popular page cannot turn a
genuine product suspicious by reloads alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Verdict(str, Enum):
    GENUINE = "genuine"
    UNVERIFIED = "unverified"
    SUSPICIOUS = "suspicious"


@dataclass(frozen=True)
class FarApartScans:
    first_country: str
    second_country: str
    apart: timedelta


@dataclass(frozen=True)
class ProductFacts:
    registered: bool
    anchored_events: int = 0
    pending_events: int = 0
    recalled: bool = False
    destroyed: bool = False
    retail_sales: int = 0
    distinct_clients: int = 0
    far_apart_scans: FarApartScans | None = None
    tag_replayed: bool = False  # an NTAG 424 tap whose counter did not increase (a copied URL)
    tag_forged: bool = False  # a tap whose SUN MAC is wrong, or a tag bound to another item
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class VerdictPolicy:
    # A single item is scanned by its buyer, family, a shop assistant...: dozens of distinct
    # devices suggest the code was copied onto many items.
    max_distinct_clients: int = 25


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    reason: str
    claim_note: str | None = None


def _hours(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{round(minutes / 60)} hours"


def _red_flag(facts: ProductFacts, policy: VerdictPolicy) -> str | None:
    if facts.recalled:
        return "The brand has recalled this product. Do not use it, and contact the brand or the shop."
    if facts.destroyed:
        return "This item was recorded as destroyed, so an item carrying this code should not exist. The code may be copied."
    if facts.retail_sales > 1:
        return f"This item was recorded as sold in a shop {facts.retail_sales} times; a genuine item is sold once. The code may be copied."
    if facts.tag_forged:
        return "This tag's secure code is not genuine. The tag may be a copy."
    if facts.tag_replayed:
        return "This tag's secure code was used before. The link may have been copied from another scan."
    if facts.far_apart_scans is not None:
        scans = facts.far_apart_scans
        return (
            f"This code was scanned in {scans.first_country} and in {scans.second_country} within "
            f"{_hours(scans.apart)}; one item cannot travel that fast. The code may be copied."
        )
    if facts.distinct_clients > policy.max_distinct_clients:
        return (
            f"This code has been scanned on {facts.distinct_clients} different devices, far more than one item "
            "normally is. The code may be copied."
        )
    return None


def assess(facts: ProductFacts, policy: VerdictPolicy = VerdictPolicy()) -> Assessment:
    claim_note = f"Claimed by its buyer on {facts.claimed_at:%-d %B %Y}." if facts.claimed_at else None
    if not facts.registered:
        return Assessment(
            Verdict.UNVERIFIED,
            "We could not find this serial number among the brand's registered products.",
        )
    red_flag = _red_flag(facts, policy)
    if red_flag is not None:
        return Assessment(Verdict.SUSPICIOUS, red_flag, claim_note)
    if facts.anchored_events == 0:
        waiting = (
            f" {facts.pending_events} recorded event{'s are' if facts.pending_events != 1 else ' is'} waiting to be confirmed."
            if facts.pending_events
            else ""
        )
        return Assessment(
            Verdict.UNVERIFIED,
            "This product is registered, but none of its history is confirmed on the ledger yet." + waiting,
            claim_note,
        )
    total = facts.anchored_events + facts.pending_events
    history = (
        f"all {total} events of its history are confirmed on the ledger"
        if facts.pending_events == 0
        else f"{facts.anchored_events} of its {total} events are confirmed on the ledger and the rest are pending"
    )
    return Assessment(Verdict.GENUINE, f"Registered by the brand; {history}, and nothing looks wrong.", claim_note)
