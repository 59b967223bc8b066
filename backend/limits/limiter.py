"""The limiter: one call per request and class, before any work, that passes or raises.

``Limiter.check(LimitClass.SIGNIN_PER_IP, ip)`` spends one unit of that key's allowance;
``cost`` spends more (bytes of a batch, events in it). A cost above the class's burst can
never pass and is refused as ``OverBurst``; otherwise a spent allowance is ``RateLimited``
with the seconds to wait. The clock is injectable, so tests step time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Protocol

from backend.limits.errors import OverBurst, RateLimited
from backend.limits.rate import Rate


class LimitClass(StrEnum):
    """The route classes with a limit of their own; each value is its setting's name (``TRUSTLEDGER_<VALUE>``)."""

    SIGNIN_PER_IP = "signin_per_ip"
    SIGNIN_PER_ADDRESS = "signin_per_address"
    APPLICATIONS_PER_IP = "applications_per_ip"
    EVENTS_PER_PUBLISHER = "events_per_publisher"
    EVENT_BYTES_PER_PUBLISHER = "event_bytes_per_publisher"
    SCANS_PER_IP = "scans_per_ip"
    SCANS_PER_SERIAL = "scans_per_serial"
    CLAIMS_PER_IP = "claims_per_ip"
    CLAIMS_PER_SERIAL = "claims_per_serial"
    API_KEYS_PER_PARTICIPANT = "api_keys_per_participant"


Check = tuple[LimitClass, str, int]  # class, key, cost


class Store(Protocol):
    def spend_all(self, entries: Sequence[tuple[str, Rate, int]], now_us: float) -> tuple[int, float]:
        """All costs spent and ``(-1, 0)``, or none and (index of the longest wait, the wait in microseconds)."""


class Limiter:
    def __init__(self, store: Store, rates: Mapping[LimitClass, Rate | None], clock: Callable[[], float] = time.time):
        self.store = store
        self._rates = dict(rates)
        self._clock = clock

    def rate(self, limit_class: LimitClass) -> Rate | None:
        return self._rates.get(limit_class)

    def check(self, limit_class: LimitClass, key: str, cost: int = 1) -> None:
        """Spend ``cost`` of ``key``'s allowance in ``limit_class``, or raise ``RateLimited`` / ``OverBurst``."""
        self.check_all([(limit_class, key, cost)])

    def check_all(self, checks: Sequence[Check]) -> None:
        """Every check of one request at once (one Redis round trip): all spent, or none and the refusal
        of the longest wait, so a request refused by one class spends nothing of the others."""
        entries, classes = [], []
        for limit_class, key, cost in checks:
            rate = self._rates.get(limit_class)
            if rate is None:
                continue
            if cost > rate.burst:
                raise OverBurst(
                    f"this request costs {cost}, more than the {limit_class.value} limit's burst of {rate.burst}",
                    {"limit_class": limit_class.value, "cost": cost, "burst": rate.burst},
                )
            entries.append((f"{limit_class.value}:{key}", rate, cost))
            classes.append(limit_class)
        if not entries:
            return
        refused, wait_us = self.store.spend_all(entries, self._clock() * 1_000_000)
        if refused >= 0:
            limit_class, rate = classes[refused], entries[refused][1]
            retry_after = wait_us / 1_000_000
            raise RateLimited(
                f"too many requests of this kind ({limit_class.value}: {rate}); retry in {retry_after:.3g} s",
                retry_after,
                {"limit_class": limit_class.value, "retry_after": max(1, math.ceil(retry_after))},
            )
