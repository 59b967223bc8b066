"""GCRA: exact counts, retry-after values, steady refill, cost, over-burst and the rate format."""

from __future__ import annotations

import pytest

from backend.api.errors import status_of
from backend.limits.errors import OverBurst, RateLimited
from backend.limits.gcra import step
from backend.limits.limiter import LimitClass
from backend.limits.rate import Rate, parse_rate
from tests.limits.support import ManualClock, limiter

IP = LimitClass.SIGNIN_PER_IP


def passes(lim, key="k", cost=1, cls=IP) -> bool:
    try:
        lim.check(cls, key, cost)
    except RateLimited:
        return False
    return True


@pytest.mark.parametrize(
    "text, rate",
    [
        ("20/minute", Rate(20, 60, 20)),
        ("20/minute,burst=5", Rate(20, 60, 5)),
        (" 3 / second , burst = 1 ", Rate(3, 1, 1)),
        ("100/hour", Rate(100, 3600, 100)),
        ("1/day,burst=2", Rate(1, 86_400, 2)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "20", "20/fortnight", "0/minute", "20/minute,burst=0", "-1/second", "20/minute,b=3"])
def test_bad_rates_are_refused_with_the_format(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_a_burst_passes_at_once_then_one_per_interval():
    clock = ManualClock()
    lim = limiter(clock, signin_per_ip="20/minute,burst=5")
    assert [passes(lim) for _ in range(8)] == [True] * 5 + [False] * 3
    with pytest.raises(RateLimited) as refused:
        lim.check(IP, "k")
    assert refused.value.retry_after == pytest.approx(3.0)  # one interval: 60 s / 20
    assert refused.value.details == {"limit_class": "signin_per_ip", "retry_after": 3}
    assert refused.value.code == "rate_limited" and status_of(refused.value) == 429
    clock.advance(2.999)
    assert not passes(lim)
    clock.advance(0.001)
    assert passes(lim) and not passes(lim)
    clock.advance(30)  # ten intervals refill five (the burst), not ten
    assert [passes(lim) for _ in range(6)] == [True] * 5 + [False]


def test_refusals_spend_nothing():
    clock = ManualClock()
    lim = limiter(clock, signin_per_ip="1/second")
    assert passes(lim)
    for _ in range(1000):
        assert not passes(lim)
    clock.advance(1)
    assert passes(lim)


def test_keys_and_classes_are_counted_apart():
    clock = ManualClock()
    lim = limiter(clock, signin_per_ip="2/minute", claims_per_ip="1/minute")
    assert [passes(lim, "a"), passes(lim, "a"), passes(lim, "a")] == [True, True, False]
    assert passes(lim, "b")
    assert passes(lim, "a", cls=LimitClass.CLAIMS_PER_IP)
    assert passes(lim, "a", cls=LimitClass.SCANS_PER_IP)  # not configured: off


def test_a_cost_spends_that_many_and_the_wait_is_for_the_whole_cost():
    clock = ManualClock()
    lim = limiter(clock, event_bytes_per_publisher="1000/second,burst=4000")
    cls = LimitClass.EVENT_BYTES_PER_PUBLISHER
    assert passes(lim, cost=3000, cls=cls)
    assert passes(lim, cost=1000, cls=cls)
    with pytest.raises(RateLimited) as refused:
        lim.check(cls, "k", 2500)
    assert refused.value.retry_after == pytest.approx(2.5)
    clock.advance(2.5)
    assert passes(lim, cost=2500, cls=cls)


def test_a_cost_over_the_burst_is_over_burst_not_rate_limited():
    clock = ManualClock()
    lim = limiter(clock, event_bytes_per_publisher="1000/second,burst=4000")
    with pytest.raises(OverBurst) as refused:
        lim.check(LimitClass.EVENT_BYTES_PER_PUBLISHER, "k", 4001)
    assert status_of(refused.value) == 413
    assert refused.value.details == {"limit_class": "event_bytes_per_publisher", "cost": 4001, "burst": 4000}
    assert passes(lim, cost=4000, cls=LimitClass.EVENT_BYTES_PER_PUBLISHER)  # spent nothing


def test_one_step_is_pure_and_leaves_a_refused_tat_alone():
    rate = Rate(10, 1, 2)  # interval 100,000 us, tolerance 200,000 us
    first = step(None, 0.0, rate, 1)
    assert first == (True, 100_000.0, 0.0)
    second = step(first.tat_us, 0.0, rate, 1)
    assert second == (True, 200_000.0, 0.0)
    third = step(second.tat_us, 0.0, rate, 1)
    assert third == (False, 200_000.0, 100_000.0)
    assert step(200_000.0, 1_000_000.0, rate, 1) == (True, 1_100_000.0, 0.0)  # a past TAT counts from now


def test_checks_of_one_request_are_all_or_nothing():
    clock = ManualClock()
    lim = limiter(clock, scans_per_ip="10/minute", scans_per_serial="2/minute")
    both = [(LimitClass.SCANS_PER_IP, "ip", 1), (LimitClass.SCANS_PER_SERIAL, "item", 1)]
    lim.check_all(both)
    lim.check_all(both)
    with pytest.raises(RateLimited) as refused:
        lim.check_all(both)
    assert refused.value.details == {"limit_class": "scans_per_serial", "retry_after": 30}
    for n in range(8):  # the refused request spent nothing of the IP's allowance: 8 left
        lim.check(LimitClass.SCANS_PER_IP, "ip")
    with pytest.raises(RateLimited):
        lim.check(LimitClass.SCANS_PER_IP, "ip")
