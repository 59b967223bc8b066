"""Refusals of the limiter: a request over its rate (retry later) or one that can never pass."""

from __future__ import annotations

from typing import Any

from backend.core import errors as kinds


class LimitRefusal(kinds.Refusal):
    """Base of limiter refusals: ``LimitRefusal(code, message, details)``."""


class RateLimited(kinds.Case, LimitRefusal, kinds.TooMany):
    """The caller spent its allowance for this class of request; ``retry_after`` seconds until it may again."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float, details: Any = None):
        kinds.DomainError.__init__(self, message, details)
        self.retry_after = retry_after


class OverBurst(kinds.Case, LimitRefusal, kinds.TooLarge):
    """The request costs more than the limit's whole burst, so no wait would let it pass."""

    code = "over_burst"
