from __future__ import annotations

import pytest
from redis import Redis

from backend.ads.filters import (
    FilterReason,
    FrequencyPolicy,
    MemoryFrequencyCounter,
    RedisFrequencyCounter,
    Screener,
    ScreeningPolicy,
)
from backend.campaigns.kinds import EventKind
from tests.ads.factories import impression, lists, screen


class FakeClock:
    def __init__(self):
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


class CountingRedis(Redis):
    """Counts the commands sent to the server after construction."""

    commands = 0

    def execute_command(self, *args, **options):
        self.commands += 1
        return super().execute_command(*args, **options)


def test_the_memory_counter_adds_increments_and_forgets_expired_keys():
    clock = FakeClock()
    counter = MemoryFrequencyCounter(clock)
    assert counter.add({"a": 2, "b": 1}, ttl=60) == {"a": 2, "b": 1}
    assert counter.add({"a": 3}, ttl=60) == {"a": 5}
    clock.now += 61
    assert counter.add({"a": 1, "b": 1}, ttl=60) == {"a": 1, "b": 1}


@pytest.mark.redis
def test_the_redis_counter_adds_increments_and_sets_the_ttl_once(redis_client, redis_prefix):
    counter = RedisFrequencyCounter(redis_client, prefix=redis_prefix)
    assert counter.add({"a": 2, "b": 1}, ttl=60) == {"a": 2, "b": 1}
    redis_client.expire(redis_prefix + "a", 30)
    assert counter.add({"a": 3}, ttl=60) == {"a": 5}
    assert 0 < redis_client.ttl(redis_prefix + "a") <= 30  # the window's expiry is not pushed back
    assert 30 < redis_client.ttl(redis_prefix + "b") <= 60
    assert counter.add({}, ttl=60) == {}


@pytest.mark.redis
def test_a_batch_costs_one_redis_round_trip(redis_prefix):
    client = CountingRedis(host="127.0.0.1", port=6379)
    try:
        caps = FrequencyPolicy(per_ip={EventKind.IMPRESSION: 500}, per_device={EventKind.IMPRESSION: 1})
        counter = RedisFrequencyCounter(client, prefix=redis_prefix)
        screener = Screener(lists(), counter, ScreeningPolicy(frequency=caps))
        events = [impression(f"i{n}", device_id=f"d{n % 700}") for n in range(1_000)]
        client.commands = 0
        result = screen(events, screener=screener)
        assert client.commands == 1
        reasons = list(result.values())
        # One IP for all: 500 pass its cap; of those, devices 0..299 repeat at n >= 700 (all past 500 already).
        assert reasons[:500] == [None] * 500
        assert set(reasons[500:]) == {FilterReason.IP_FREQUENCY_CAP}
        client.commands = 0
        again = screen([impression("j1", device_id="d1"), impression("j2", device_id="fresh")], screener=screener)
        assert client.commands == 1
        assert list(again.values()) == [FilterReason.IP_FREQUENCY_CAP] * 2
    finally:
        keys = list(client.scan_iter(match=redis_prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.mark.redis
def test_redis_and_memory_counters_screen_the_same_way(redis_client, redis_prefix):
    caps = FrequencyPolicy(per_ip={EventKind.IMPRESSION: 3}, per_device={EventKind.IMPRESSION: 2})
    batches = [
        [impression(f"a{n}", ip=f"81.2.69.{n % 2}", device_id=f"d{n % 3}") for n in range(6)],
        [impression(f"b{n}", ip=f"81.2.69.{n % 3}", device_id=f"d{n % 4}") for n in range(6)],
    ]
    outcomes = []
    for counter in (MemoryFrequencyCounter(), RedisFrequencyCounter(redis_client, prefix=redis_prefix)):
        screener = Screener(lists(), counter, ScreeningPolicy(frequency=caps))
        outcomes.append([list(screen(batch, screener=screener).values()) for batch in batches])
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == [None] * 6
    assert {FilterReason.IP_FREQUENCY_CAP, FilterReason.DEVICE_FREQUENCY_CAP} <= set(outcomes[0][1])
