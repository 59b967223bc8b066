"""The Redis store against the machine's Redis (a private prefix), and fail-open when Redis is down."""

from __future__ import annotations

import logging
import secrets
import threading

import pytest
from redis import Redis

from backend.chain.local_node import free_port
from backend.limits.errors import RateLimited
from backend.limits.limiter import LimitClass
from backend.limits.rate import Rate
from backend.limits.redis_store import RedisStore
from tests.limits.support import ManualClock, limiter

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():
    prefix = f"tl:test:limits:{secrets.token_hex(6)}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.redis
def test_redis_counts_as_the_memory_store_does(prefix):
    clock = ManualClock()
    lim = limiter(clock, RedisStore.from_url(REDIS_URL, prefix), signin_per_ip="20/minute,burst=5")
    outcomes = []
    for _ in range(8):
        try:
            lim.check(LimitClass.SIGNIN_PER_IP, "1.2.3.4")
            outcomes.append(True)
        except RateLimited as refused:
            outcomes.append(refused.retry_after)
    assert outcomes == [True] * 5 + [pytest.approx(3.0)] * 3
    clock.advance(3)
    lim.check(LimitClass.SIGNIN_PER_IP, "1.2.3.4")
    with pytest.raises(RateLimited):
        lim.check(LimitClass.SIGNIN_PER_IP, "1.2.3.4")


@pytest.mark.redis
def test_the_key_expires_when_its_tat_passes_and_the_script_survives_a_flush(prefix):
    client = Redis.from_url(REDIS_URL)
    store = RedisStore(client, prefix)
    now = ManualClock().now * 1e6
    assert store.spend("k", Rate(1, 60, 2), 1, now) == 0
    assert 59_000 <= client.pttl(prefix + "k") <= 60_000  # the TAT is one interval (60 s) ahead
    assert float(client.get(prefix + "k")) == now + 60_000_000
    client.script_flush()  # EVALSHA falls back to loading the script again
    assert store.spend("k", Rate(1, 60, 2), 1, now) == 0  # the burst's second
    assert store.spend("k", Rate(1, 60, 2), 1, now) == 60_000_000
    client.close()


@pytest.mark.redis
def test_processes_sharing_redis_spend_one_allowance(prefix):
    stores = [RedisStore.from_url(REDIS_URL, prefix) for _ in range(4)]
    rate, now = Rate(50, 60, 50), ManualClock().now * 1e6
    allowed = []
    lock = threading.Lock()

    def worker(store):
        mine = sum(store.spend("shared", rate, 1, now) == 0 for _ in range(40))
        with lock:
            allowed.append(mine)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 50


def test_redis_down_fails_open_with_one_warning(caplog):
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", "tl:test:limits:down:")
    lim = limiter(ManualClock(), store, signin_per_ip="1/minute")
    with caplog.at_level(logging.WARNING, logger="backend.limits.redis_store"):
        for _ in range(5):
            lim.check(LimitClass.SIGNIN_PER_IP, "1.2.3.4")  # never refused
    warnings = [r for r in caplog.records if r.name == "backend.limits.redis_store"]
    assert len(warnings) == 1 and "letting requests through" in warnings[0].getMessage()


@pytest.mark.redis
def test_a_requests_checks_go_in_one_call_all_or_nothing(prefix):
    store = RedisStore.from_url(REDIS_URL, prefix)
    now = ManualClock().now * 1e6
    wide, narrow = Rate(10, 60, 10), Rate(2, 60, 2)
    entries = [("ip", wide, 1), ("item", narrow, 1)]
    assert store.spend_all(entries, now) == (-1, 0.0)
    assert store.spend_all(entries, now) == (-1, 0.0)
    assert store.spend_all(entries, now) == (1, 30_000_000)  # the item refused; the IP not spent
    client = Redis.from_url(REDIS_URL)
    assert float(client.get(prefix + "ip")) == now + 2 * 6_000_000
    client.close()


def test_after_a_failure_redis_is_not_tried_again_for_a_pause(monkeypatch):
    from backend.limits import redis_store

    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", "tl:test:limits:down:")
    calls = []
    real = store._script

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    store._script = counting
    clock = [1000.0]
    monkeypatch.setattr(redis_store.time, "monotonic", lambda: clock[0])
    for _ in range(10):
        assert store.spend("k", Rate(1, 60, 1), 1, 0.0) == 0
    assert len(calls) == 1
    clock[0] += redis_store.PAUSE_AFTER_FAILURE_S
    assert store.spend("k", Rate(1, 60, 1), 1, 0.0) == 0
    assert len(calls) == 2


@pytest.mark.redis
def test_a_forked_child_opens_its_own_connection(prefix):
    import os

    store = RedisStore.from_url(REDIS_URL, prefix)
    rate, now = Rate(10, 60, 10), ManualClock().now * 1e6
    assert store.spend("k", rate, 1, now) == 0
    parents = store._connection()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's exit status is the assertion
        ok = store._connection() is not parents and store.spend("k", rate, 1, now) == 0
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
    assert store._connection() is parents and store.spend("k", rate, 1, now) == 0
