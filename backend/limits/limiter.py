"""The limiter: one call per request and class, before any work, that passes or raises.

``Limiter.check(LimitClass.SIGNIN_PER_IP, ip)`` spends one unit of that key's allowance;
``cost`` spends more (bytes of a batch, events in it). A cost above the class's burst can
never pass and is refused as ``OverBurst``; otherwise a spent allowance is ``RateLimited``
with the seconds to wait. The clock is injectable, so tests step time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
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


class Store(Protocol):
    def spend(self, key: str, rate: Rate, cost: int, now_us: float) -> float:
        """0 if ``cost`` was spent, else microseconds until it could be."""


class Limiter:
    def __init__(self, store: Store, rates: Mapping[LimitClass, Rate | None], clock: Callable[[], float] = time.time):
        self.store = store
        self._rates = dict(rates)
        self._clock = clock

    def rate(self, limit_class: LimitClass) -> Rate | None:
        return self._rates.get(limit_class)

    def check(self, limit_class: LimitClass, key: str, cost: int = 1) -> None:
        """Spend ``cost`` of ``key``'s allowance in ``limit_class``, or raise ``RateLimited`` / ``OverBurst``."""
        rate = self._rates.get(limit_class)
        if rate is None:
            return
        if cost > rate.burst:
            raise OverBurst(
                f"this request costs {cost}, more than the {limit_class.value} limit's burst of {rate.burst}",
                {"limit_class": limit_class.value, "cost": cost, "burst": rate.burst},
            )
        wait_us = self.store.spend(f"{limit_class.value}:{key}", rate, cost, self._clock() * 1_000_000)
        if wait_us > 0:
            retry_after = wait_us / 1_000_000
            raise RateLimited(
                f"too many requests of this kind ({limit_class.value}: {rate}); retry in {retry_after:.3g} s",
                retry_after,
                {"limit_class": limit_class.value, "retry_after": max(1, math.ceil(retry_after))},
            )
