"""A clock tests move by hand, and a limiter on it with chosen rates."""

from __future__ import annotations

from backend.limits.limiter import LimitClass, Limiter
from backend.limits.memory_store import MemoryStore
from backend.limits.rate import parse_rate

T0 = 1_700_000_000.0


class ManualClock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def limiter(clock: ManualClock, store=None, **rates: str) -> Limiter:
    """A limiter on ``clock`` with ``rates`` by class name (``signin_per_ip="3/minute"``); other classes off."""
    chosen = {LimitClass(name): parse_rate(text) for name, text in rates.items()}
    return Limiter(store or MemoryStore(), chosen, clock=clock)
