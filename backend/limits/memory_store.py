"""GCRA state in this process: for the embedded deployment (one process) and the tests.

Thread-safe (one lock) and bounded: a key whose TAT has passed holds no information and
is dropped, and past ``max_keys`` the least recently used key goes first. Dropping a
live key forgets what that key spent, so under a flood of distinct keys the store errs
towards letting requests through rather than growing without bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from backend.limits.gcra import step
from backend.limits.rate import Rate

DEFAULT_MAX_KEYS = 100_000


class MemoryStore:
    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS):
        if max_keys < 1:
            raise ValueError("max_keys is positive")
        self._max_keys = max_keys
        self._tats: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tats)

    def spend(self, key: str, rate: Rate, cost: int, now_us: float) -> float:
        """Spend ``cost`` of ``key``'s allowance: 0 if it passed, else microseconds until it would."""
        with self._lock:
            result = step(self._tats.get(key), now_us, rate, cost)
            if result.allowed:
                self._tats[key] = result.tat_us
                self._tats.move_to_end(key)
            self._evict(now_us)
            return result.retry_after_us

    def _evict(self, now_us: float) -> None:
        tats = self._tats
        # Least recently spent first: stop at the first key still holding a future TAT.
        while tats:
            key, tat = next(iter(tats.items()))
            if tat > now_us and len(tats) <= self._max_keys:
                break
            del tats[key]
