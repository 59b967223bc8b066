"""How many blocks the next ``eth_getLogs`` asks for: halve on refusal, grow back while sparse."""

from __future__ import annotations


class AdaptiveRange:
    """The block span of the next ``eth_getLogs`` call.

    Starts at ``maximum``. A refusal (range or answer too large, timeout) halves the
    span that was refused; an answer denser than ``target_logs`` shrinks it for the
    next call to the span that would have held ``target_logs`` (at least halving it),
    which keeps answers bounded; an answer with under a quarter of ``target_logs``
    doubles it, never past ``maximum``.
    """

    def __init__(self, maximum: int, target_logs: int):
        self.maximum = maximum
        self.target_logs = target_logs
        self.span = maximum

    def next_range(self, start: int, last: int) -> tuple[int, int]:
        return start, min(last, start + self.span - 1)

    def refused(self, span: int) -> bool:
        """Shrink after `span` blocks were refused; False when one block is already the minimum."""
        if span <= 1:
            return False
        self.span = max(1, min(self.span, span // 2))
        return True

    def answered(self, span: int, logs: int) -> None:
        if logs > self.target_logs:
            self.span = max(1, min(span // 2, span * self.target_logs // logs))
        elif logs * 4 < self.target_logs and span >= self.span:
            self.span = min(self.maximum, self.span * 2)


__all__ = ["AdaptiveRange"]
