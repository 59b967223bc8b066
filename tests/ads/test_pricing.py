from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.campaigns.kinds import EventKind
from backend.ads.models import EventStatus, status_for
from backend.ads.pricing import (
    BillableEvent,
    Outcome,
    PublisherTally,
    cpm_earnings,
    fee_on,
    net_of_fee,
    price_events,
    reserve_for,
)
from tests.ads.factories import NOW, OTHER_PUBLISHER, PUBLISHER, terms

DAY = 86_400
BIG = 10**15
IMPRESSION, CLICK, CONVERSION = EventKind.IMPRESSION, EventKind.CLICK, EventKind.CONVERSION


def events(kind: EventKind, count: int, *, start: int = 0, publisher: str = PUBLISHER, at: int = NOW, **fields):
    return [BillableEvent(start + i, publisher, kind, at - 10, at, **fields) for i in range(count)]


def run(pricing_terms, batch, tallies=None, spent=0, deposit=BIG, reserve=0):
    return price_events(
        pricing_terms, batch, tallies=tallies or {}, cumulative_spent=spent, deposit=deposit, reserve=reserve
    )


def run_epochs(pricing_terms, sizes, kind=IMPRESSION):
    """Price ``sizes[i]`` events in epoch i, carrying tallies and spend forward as settlement does."""
    tallies, spent, prices, sequence = {}, 0, [], 0
    for epoch, size in enumerate(sizes):
        result = run(pricing_terms, events(kind, size, start=sequence, at=NOW + 30 * epoch), tallies, spent)
        tallies, spent, sequence = result.tallies, result.cumulative_spent, sequence + size
        prices.extend(event.price for event in result.events)
    return tallies, spent, prices


def test_cpm_is_floored_on_cumulative_impressions_so_rounding_never_compounds_across_epochs():
    cpm = terms(cpm=999)
    tallies, spent, prices = run_epochs(cpm, [100] * 10)
    # Rounding each epoch on its own would pay 10 * floor(999 * 100 / 1000) = 990.
    assert spent == tallies[PUBLISHER].earned == sum(prices) == 999
    assert tallies[PUBLISHER].impressions == 1000


def test_a_single_impression_per_epoch_still_adds_up():
    tallies, spent, prices = run_epochs(terms(cpm=2_500), [1] * 7)
    assert prices == [2, 3, 2, 3, 2, 3, 2]  # 2.5 base units each, exact over every pair
    assert spent == cpm_earnings(2_500, 7) == 17


@settings(max_examples=60, deadline=None)
@given(cpm=st.integers(1, 10**9), sizes=st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_cpm_earnings_equal_floor_of_price_times_impressions_over_1000_for_any_split(cpm, sizes):
    tallies, spent, prices = run_epochs(terms(cpm=cpm), sizes)
    total = sum(sizes)
    assert spent == sum(prices) == cpm * total // 1000
    assert tallies.get(PUBLISHER, PublisherTally()).impressions == total


def test_cpc_pays_the_price_per_click():
    result = run(terms(cpc=150_000), events(CLICK, 4))
    assert [e.price for e in result.events] == [150_000] * 4
    assert result.tallies[PUBLISHER].clicks == 4 and result.cumulative_spent == 600_000
    assert all(e.outcome is Outcome.BILLED for e in result.events)


def test_kinds_without_a_price_are_not_priced_and_change_nothing():
    result = run(terms(cpc=100), events(IMPRESSION, 3))
    assert {e.outcome for e in result.events} == {Outcome.NOT_PRICED}
    assert result.cumulative_spent == 0 and result.tallies[PUBLISHER] == PublisherTally(day=NOW // DAY)


@pytest.mark.parametrize(
    ("click_age", "outcome"),
    [
        (0, Outcome.BILLED),
        (7 * DAY, Outcome.BILLED),
        (7 * DAY + 1, Outcome.NOT_ATTRIBUTED),
        (-1, Outcome.NOT_ATTRIBUTED),  # the click came after the conversion
        (None, Outcome.NOT_ATTRIBUTED),
    ],
)
def test_cpa_pays_only_conversions_within_the_attribution_window_of_their_click(click_age, outcome):
    pricing_terms = terms(cpa=1_000, conditions={"attribution_window_days": 7})
    occurred = NOW - 10
    click_at = None if click_age is None else occurred - click_age
    result = run(pricing_terms, [BillableEvent(1, PUBLISHER, CONVERSION, occurred, NOW, click_at=click_at)])
    assert result.events[0].outcome is outcome
    assert result.cumulative_spent == (1_000 if outcome is Outcome.BILLED else 0)


def conversions(count, *, start=0, publisher=PUBLISHER):
    return events(CONVERSION, count, start=start, publisher=publisher, click_at=NOW - 3_600)


def test_the_conversion_bonus_is_paid_once_with_the_conversion_that_reaches_the_target():
    pricing_terms = terms(cpa=100, conditions={"conversion_bonus": {"target": 3, "amount": 500}})
    first = run(pricing_terms, conversions(2))
    second = run(pricing_terms, conversions(3, start=2), first.tallies, first.cumulative_spent)
    assert [e.price for e in first.events + second.events] == [100, 100, 600, 100, 100]
    assert second.tallies[PUBLISHER].bonus_paid and second.tallies[PUBLISHER].earned == 1_000
    third = run(pricing_terms, conversions(3, start=5), second.tallies, second.cumulative_spent)
    assert [e.price for e in third.events] == [100, 100, 100]


def test_each_publisher_earns_its_own_bonus():
    pricing_terms = terms(cpa=100, conditions={"conversion_bonus": {"target": 1, "amount": 50}})
    result = run(pricing_terms, conversions(2) + conversions(2, start=10, publisher=OTHER_PUBLISHER))
    assert result.tallies[PUBLISHER].earned == result.tallies[OTHER_PUBLISHER].earned == 250


def test_the_daily_amount_cap_closes_the_publishers_day_until_the_next_utc_day():
    pricing_terms = terms(cpm=1_000, cpc=100, conditions={"publisher_daily_cap": {"amount": 250}})
    day_start = (NOW // DAY) * DAY
    batch = events(CLICK, 3, at=day_start + 10) + events(IMPRESSION, 2, start=3, at=day_start + 20)
    batch += events(CLICK, 1, start=5, at=day_start + DAY)
    result = run(pricing_terms, batch)
    assert [e.outcome for e in result.events] == [Outcome.BILLED] * 2 + [Outcome.CAPPED] * 3 + [Outcome.BILLED]
    # The 1-unit impressions would still fit under the cap, but the day is closed.
    assert [e.price for e in result.events] == [100, 100, 0, 0, 0, 100]
    tally = result.tallies[PUBLISHER]
    assert (tally.clicks, tally.impressions, tally.earned) == (3, 0, 300)
    assert (tally.day_amount, tally.day_closed) == (100, False)


def test_daily_count_caps_limit_each_kind_on_its_own_per_publisher():
    pricing_terms = terms(cpm=1_000, cpc=100, conditions={"publisher_daily_cap": {"impressions": 2}})
    batch = events(IMPRESSION, 3) + events(CLICK, 2, start=3)
    batch += events(IMPRESSION, 2, start=5, publisher=OTHER_PUBLISHER)
    result = run(pricing_terms, batch)
    outcomes = {(e.publisher, e.sequence): e.outcome for e in result.events}
    expected = [Outcome.BILLED] * 2 + [Outcome.CAPPED] + [Outcome.BILLED] * 2
    assert [outcomes[(PUBLISHER, i)] for i in range(5)] == expected
    assert [outcomes[(OTHER_PUBLISHER, i)] for i in (5, 6)] == [Outcome.BILLED] * 2
    tomorrow = run(pricing_terms, events(IMPRESSION, 1, start=9, at=NOW + DAY), result.tallies, result.cumulative_spent)
    assert tomorrow.events[0].outcome is Outcome.BILLED


def test_the_reserve_is_held_back_from_billing():
    result = run(terms(cpc=100), events(CLICK, 10), deposit=1_000, reserve=reserve_for(1_000, 3_000))
    assert [e.outcome for e in result.events] == [Outcome.BILLED] * 7 + [Outcome.OVER_BUDGET] * 3
    assert result.cumulative_spent == 700 and result.billed_amount == 700


def test_events_past_the_deposit_are_over_budget_not_billed_and_a_cheaper_one_may_still_fit():
    pricing_terms = terms(cpm=3_000, cpc=100)
    prior = {PUBLISHER: PublisherTally(clicks=9, earned=900)}
    batch = events(CLICK, 2) + events(IMPRESSION, 1, start=2, at=NOW + 1)
    result = run(pricing_terms, batch, prior, spent=950, deposit=1_000)
    assert [(e.outcome, e.price) for e in result.events] == [
        (Outcome.OVER_BUDGET, 0),
        (Outcome.OVER_BUDGET, 0),
        (Outcome.BILLED, 3),
    ]
    tally = result.tallies[PUBLISHER]
    assert (tally.clicks, tally.impressions, tally.earned, result.cumulative_spent) == (9, 1, 903, 953)


def test_an_over_budget_impression_does_not_advance_the_cumulative_count():
    # 1.5 units per impression: the 1st costs 1, the 2nd costs 2.
    result = run(terms(cpm=1_500), events(IMPRESSION, 3), deposit=2)
    assert [(e.outcome, e.price) for e in result.events] == [
        (Outcome.BILLED, 1),
        (Outcome.OVER_BUDGET, 0),
        (Outcome.OVER_BUDGET, 0),
    ]
    assert result.tallies[PUBLISHER].impressions == 1


def test_pricing_is_deterministic_whatever_the_input_order():
    pricing_terms = terms(cpm=1_234, cpc=77, conditions={"publisher_daily_cap": {"amount": 5_000}})
    batch = [
        BillableEvent(i, (PUBLISHER, OTHER_PUBLISHER)[i % 2], (IMPRESSION, CLICK)[i % 3 == 0], NOW, NOW + i // 10)
        for i in range(300)
    ]
    shuffled = batch[:]
    random.Random(7).shuffle(shuffled)
    assert run(pricing_terms, batch, deposit=20_000) == run(pricing_terms, shuffled, deposit=20_000)


def test_prior_tallies_of_publishers_absent_from_the_run_are_kept():
    prior = {OTHER_PUBLISHER: PublisherTally(clicks=1, earned=100)}
    result = run(terms(cpc=100), events(CLICK, 1), prior, spent=100)
    assert result.tallies[OTHER_PUBLISHER] == prior[OTHER_PUBLISHER]
    assert result.cumulative_spent == 200


def test_fees_are_taken_on_cumulative_amounts():
    cumulative = [0, 333, 334, 1_001, 20_000]
    deltas = [fee_on(b, 250) - fee_on(a, 250) for a, b in zip(cumulative, cumulative[1:])]
    assert sum(deltas) == fee_on(20_000, 250) == 500
    assert fee_on(333, 250) == 8 and net_of_fee(333, 250) == 325
    with pytest.raises(ValueError):
        fee_on(1, 10_001)
    with pytest.raises(ValueError):
        reserve_for(1, -1)


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        run(terms(cpc=1), [], spent=-1)
    with pytest.raises(ValueError):
        run(terms(cpc=1), [], reserve=-1)


def test_outcomes_map_to_event_statuses():
    assert status_for(Outcome.BILLED) == (EventStatus.BILLED, None)
    assert status_for(Outcome.OVER_BUDGET) == (EventStatus.OVER_BUDGET, None)
    assert status_for(Outcome.CAPPED) == (EventStatus.UNBILLED, "capped")
    assert status_for(Outcome.NOT_ATTRIBUTED) == (EventStatus.UNBILLED, "not_attributed")
