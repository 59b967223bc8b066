"""The generic cell rate algorithm, one step, pure (the Redis store runs the same step in Lua).

State per key is one number, the theoretical arrival time (TAT). A request of ``cost``
moves it ``cost`` emission intervals on; it passes if the moved TAT is at most the
tolerance (burst x interval) ahead of now. Times are microseconds.
"""

from __future__ import annotations

from typing import NamedTuple

from backend.limits.rate import Rate


class Step(NamedTuple):
    allowed: bool
    tat_us: float  # the TAT to store (unchanged when refused)
    retry_after_us: float  # 0 when allowed


def step(tat_us: float | None, now_us: float, rate: Rate, cost: int) -> Step:
    tat = now_us if tat_us is None or tat_us < now_us else tat_us
    new_tat = tat + cost * rate.interval_us
    allow_at = new_tat - rate.tolerance_us
    if allow_at > now_us:
        return Step(False, tat, allow_at - now_us)
    return Step(True, new_tat, 0.0)
