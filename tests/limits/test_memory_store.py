"""The in-process store: exact under threads, and bounded (expired keys go, then the least recently used)."""

from __future__ import annotations

import threading

from backend.limits.memory_store import MemoryStore
from backend.limits.rate import Rate

RATE = Rate(100, 60, 100)


def test_threads_spend_exactly_the_burst():
    store = MemoryStore()
    allowed = []
    lock = threading.Lock()

    def worker():
        mine = sum(store.spend("k", RATE, 1, 0.0) == 0 for _ in range(100))
        with lock:
            allowed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 100


def test_expired_keys_are_evicted():
    store = MemoryStore()
    for i in range(1000):
        store.spend(f"k{i}", Rate(1, 1, 1), 1, 0.0)  # each TAT is 1 s ahead
    assert len(store) == 1000
    store.spend("late", Rate(1, 1, 1), 1, 2_000_000.0)  # 2 s later every earlier TAT has passed
    assert len(store) == 1


def test_the_store_never_holds_more_than_max_keys():
    store = MemoryStore(max_keys=50)
    for i in range(10_000):
        assert store.spend(f"k{i}", RATE, 1, 0.0) == 0
        assert len(store) <= 50
    assert len(store) == 50
    # the most recent keys are the ones kept: k9999 has spent one of its 100
    for _ in range(99):
        assert store.spend("k9999", RATE, 1, 0.0) == 0
    assert store.spend("k9999", RATE, 1, 0.0) > 0
