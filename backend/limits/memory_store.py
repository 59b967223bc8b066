"""GCRA state in this process: for the embedded deployment (one process) and the tests.

Thread-safe (one lock) and bounded: a key whose TAT has passed holds no information and
is dropped, and past ``max_keys`` the least recently used key goes first. Dropping a
live key forgets what that key spent, so under a flood of distinct keys the store errs
towards letting requests through rather than growing without bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from backend.limits.gcra import step
from backend.limits.rate import Rate

DEFAULT_MAX_KEYS = 100_000

Entry = tuple[str, Rate, int]  # key, rate, cost


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
        return self.spend_all([(key, rate, cost)], now_us)[1]

    def spend_all(self, entries: Sequence[Entry], now_us: float) -> tuple[int, float]:
        """Spend every entry's cost, or none if one is refused: ``(-1, 0)``, or the index of the entry
        with the longest wait and that wait in microseconds."""
        with self._lock:
            steps = [step(self._tats.get(key), now_us, rate, cost) for key, rate, cost in entries]
            refused = max(range(len(steps)), key=lambda i: steps[i].retry_after_us, default=-1)
            if refused >= 0 and steps[refused].retry_after_us > 0:
                self._evict(now_us)
                return refused, steps[refused].retry_after_us
            for (key, _, _), result in zip(entries, steps):
                self._tats[key] = result.tat_us
                self._tats.move_to_end(key)
            self._evict(now_us)
            return -1, 0.0

    def _evict(self, now_us: float) -> None:
        tats = self._tats
        # Least recently spent first: stop at the first key still holding a future TAT.
        while tats:
            key, tat = next(iter(tats.items()))
            if tat > now_us and len(tats) <= self._max_keys:
                break
            del tats[key]
