"""How fast the indexer retries and how often Python collects garbage while it works."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_users = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_gc_passes():
    """Collect young objects every 100,000 allocations instead of every 700 while indexing.

    A batch allocates hundreds of thousands of short-lived dicts; at the default threshold
    the collector's passes cost as much as decoding (measured: 13.7 -> 6.9 µs a log).
    The objects are freed by reference counting anyway, so memory barely grows.
    Counted, so indexers in several threads restore the threshold only when the last ends.
    """
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(100_000, _saved[1], _saved[2])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)


class Backoff:
    """Doubling waits from a quarter second up to a maximum, reset after a success."""

    def __init__(self, maximum: float):
        self.maximum = maximum
        self.delay = 0.25

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.maximum, self.delay * 2)
        return delay

    def reset(self) -> None:
        self.delay = 0.25


__all__ = ["Backoff", "fewer_gc_passes"]
