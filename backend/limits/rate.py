"""A rate as configured: ``N/unit[,burst=B]``, e.g. ``20/minute`` or ``4194304/second,burst=16777216``.

``unit`` is ``second``, ``minute``, ``hour`` or ``day``. The burst (how many may come at
once) defaults to N. ``off`` disables the class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*(?:,\s*burst\s*=\s*(\d+)\s*)?$")
OFF = "off"


@dataclass(frozen=True)
class Rate:
    """``count`` requests (or units of cost, e.g. bytes) per ``period`` seconds, at most ``burst`` at once."""

    count: int
    period: int
    burst: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.period < 1 or self.burst < 1:
            raise ValueError("a rate's count, period and burst are positive")

    @property
    def interval_us(self) -> float:
        """Microseconds one unit of cost adds to the theoretical arrival time (GCRA's emission interval)."""
        return self.period * 1_000_000 / self.count

    @property
    def tolerance_us(self) -> float:
        """How far ahead of now the theoretical arrival time may run: the burst's worth of intervals."""
        return self.burst * self.interval_us

    def __str__(self) -> str:
        unit = next(name for name, seconds in PERIODS.items() if seconds == self.period)
        return f"{self.count}/{unit},burst={self.burst}"


def parse_rate(text: str) -> Rate | None:
    """The rate ``text`` names, or None for ``off``; ValueError with the expected format otherwise."""
    if text.strip().lower() == OFF:
        return None
    match = _RATE.match(text.lower())
    if match is None:
        raise ValueError(f"{text!r} is not a rate: write N/second|minute|hour|day[,burst=B] or off")
    count, unit, burst = match.groups()
    return Rate(int(count), PERIODS[unit], int(burst) if burst else int(count))
