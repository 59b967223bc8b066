"""Prices billable events by the campaign's terms, on cumulative counts.

Guarantees (ARCHITECTURE.md, "Money, proofs and trust"):
- Integers only; the result depends only on the terms, the tallies passed in, the
  budget and the events, which are priced in ``(received_at, sequence)`` order.
- An event's price is the increase it causes in its publisher's cumulative earnings.
  The n-th billed impression costs ``floor(cpm*n/1000) - floor(cpm*(n-1)/1000)``, so
  a publisher's earnings are always ``floor(cpm * impressions / 1000)`` (plus clicks,
  conversions and bonus), however the impressions were split across epochs: rounding
  never compounds. Rounding each epoch on its own was rejected because it loses up to
  one base unit per epoch and publisher.
- Each event gets one outcome, checked in this order: its kind has no price
  (NOT_PRICED); a conversion without a click inside the attribution window
  (NOT_ATTRIBUTED); the publisher's daily limit reached (CAPPED); cumulative spend
  would pass ``deposit - reserve`` (OVER_BUDGET); otherwise BILLED. Only a billed
  event changes a tally, so a later, cheaper event may still fit the budget.
- The conversion bonus is paid once per publisher, with the billed conversion that
  brings its conversions to the target.
- Once an event would pass the daily amount cap, the publisher's day is closed: every
  later event that (UTC) day is CAPPED, so the cap is not filled with leftovers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend.campaigns.kinds import EventKind
from backend.campaigns.terms import CampaignTerms

BPS = 10_000
DAY = 86_400


class Outcome(StrEnum):
    BILLED = "billed"
    OVER_BUDGET = "over_budget"
    CAPPED = "capped"
    NOT_PRICED = "not_priced"
    NOT_ATTRIBUTED = "not_attributed"


@dataclass(frozen=True)
class BillableEvent:
    sequence: int
    publisher: str
    kind: EventKind
    occurred_at: int
    received_at: int
    click_at: int | None = None  # conversions: when the attributed click happened


@dataclass(frozen=True)
class PublisherTally:
    """Cumulative, billed-only state of one publisher in one campaign."""

    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    earned: int = 0
    bonus_paid: bool = False
    day: int = -1
    day_amount: int = 0
    day_impressions: int = 0
    day_clicks: int = 0
    day_conversions: int = 0
    day_closed: bool = False


@dataclass(frozen=True)
class PricedEvent:
    sequence: int
    publisher: str
    kind: EventKind
    outcome: Outcome
    price: int  # 0 unless billed


@dataclass(frozen=True)
class PricingResult:
    events: tuple[PricedEvent, ...]
    tallies: dict[str, PublisherTally]
    cumulative_spent: int

    @property
    def billed_amount(self) -> int:
        return sum(event.price for event in self.events)


def fee_on(cumulative: int, fee_bps: int) -> int:
    """The platform's share of a cumulative amount; taken on the total so it never compounds either."""
    _check_bps(fee_bps)
    return cumulative * fee_bps // BPS


def net_of_fee(cumulative: int, fee_bps: int) -> int:
    return cumulative - fee_on(cumulative, fee_bps)


def reserve_for(deposit: int, reserve_bps: int) -> int:
    """The part of a deposit held back from billing."""
    _check_bps(reserve_bps)
    return deposit * reserve_bps // BPS


def _check_bps(bps: int) -> None:
    if not 0 <= bps <= BPS:
        raise ValueError(f"basis points must be within 0..{BPS}, got {bps}")


def cpm_earnings(cpm: int, impressions: int) -> int:
    return cpm * impressions // 1000


def price_events(
    terms: CampaignTerms,
    events: Iterable[BillableEvent],
    *,
    tallies: Mapping[str, PublisherTally],
    cumulative_spent: int,
    deposit: int,
    reserve: int = 0,
) -> PricingResult:
    if min(cumulative_spent, deposit, reserve) < 0:
        raise ValueError("cumulative spend, deposit and reserve must not be negative")
    budget = max(deposit - reserve, 0)
    running: dict[str, _Running] = {}
    spent = cumulative_spent
    priced: list[PricedEvent] = []
    for event in sorted(events, key=lambda e: (e.received_at, e.sequence)):
        tally = running.get(event.publisher)
        if tally is None:
            tally = running[event.publisher] = _Running(tallies.get(event.publisher, PublisherTally()))
        tally.roll_day(event.received_at // DAY)
        outcome, price = _price_one(terms, event, tally, spent, budget)
        if outcome is Outcome.BILLED:
            spent += price
        priced.append(PricedEvent(event.sequence, event.publisher, event.kind, outcome, price))
    result = dict(tallies)
    result.update((publisher, tally.frozen()) for publisher, tally in running.items())
    return PricingResult(tuple(priced), result, spent)


class _Running:
    """A mutable copy of one tally while a run prices events (frozen copies are too slow per event)."""

    __slots__ = tuple(PublisherTally.__dataclass_fields__)

    def __init__(self, tally: PublisherTally):
        for name in self.__slots__:
            setattr(self, name, getattr(tally, name))

    def frozen(self) -> PublisherTally:
        return PublisherTally(**{name: getattr(self, name) for name in self.__slots__})

    def roll_day(self, day: int) -> None:
        if self.day != day:
            self.day, self.day_amount, self.day_closed = day, 0, False
            self.day_impressions = self.day_clicks = self.day_conversions = 0

    def day_count(self, kind: EventKind) -> int:
        if kind is EventKind.IMPRESSION:
            return self.day_impressions
        if kind is EventKind.CLICK:
            return self.day_clicks
        return self.day_conversions


def _price_one(
    terms: CampaignTerms, event: BillableEvent, tally: _Running, spent: int, budget: int
) -> tuple[Outcome, int]:
    """The event's outcome and price (0 unless billed); bills it into ``tally`` when BILLED."""
    kind = event.kind
    if not terms.prices(kind):
        return Outcome.NOT_PRICED, 0
    if kind is EventKind.CONVERSION and not _attributed(terms, event):
        return Outcome.NOT_ATTRIBUTED, 0
    price, earns_bonus = _marginal_price(terms, kind, tally)
    cap = terms.daily_cap
    if cap is not None:
        if tally.day_closed or (cap.amount is not None and tally.day_amount + price > cap.amount):
            tally.day_closed = True
            return Outcome.CAPPED, 0
        limit = cap.events(kind)
        if limit is not None and tally.day_count(kind) >= limit:
            return Outcome.CAPPED, 0
    if spent + price > budget:
        return Outcome.OVER_BUDGET, 0
    _bill(tally, kind, price, earns_bonus)
    return Outcome.BILLED, price


def _attributed(terms: CampaignTerms, event: BillableEvent) -> bool:
    if event.click_at is None:
        return False
    return 0 <= event.occurred_at - event.click_at <= terms.attribution_window_seconds


def _marginal_price(terms: CampaignTerms, kind: EventKind, tally: _Running) -> tuple[int, bool]:
    """What one more billed event of ``kind`` adds to the publisher's earnings, and whether it earns the bonus."""
    if kind is EventKind.IMPRESSION:
        count = tally.impressions + 1
        return cpm_earnings(terms.cpm, count) - cpm_earnings(terms.cpm, count - 1), False
    if kind is EventKind.CLICK:
        return terms.cpc, False
    bonus = terms.conversion_bonus
    if bonus is not None and not tally.bonus_paid and tally.conversions + 1 >= bonus.target:
        return terms.cpa + bonus.amount, True
    return terms.cpa, False


def _bill(tally: _Running, kind: EventKind, price: int, earns_bonus: bool) -> None:
    tally.earned += price
    tally.day_amount += price
    if kind is EventKind.IMPRESSION:
        tally.impressions += 1
        tally.day_impressions += 1
    elif kind is EventKind.CLICK:
        tally.clicks += 1
        tally.day_clicks += 1
    else:
        tally.conversions += 1
        tally.day_conversions += 1
        tally.bonus_paid = tally.bonus_paid or earns_bonus
