"""Money in requests: integer base units, as a JSON integer or a decimal string of one.

Floats are refused even when whole (``1.0``, ``1e6``): an amount that went through a
float may already be rounded. Strings carry amounts past 2**53 for JavaScript clients;
responses write amounts as decimal strings for the same reason.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

# Fits CampaignEscrow's uint96 deposits; a larger request is refused before it reaches the chain.
MAX_AMOUNT = 2**96 - 1
_DIGITS = re.compile(r"[0-9]{1,29}")


def parse_amount(value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be an integer number of base units (a JSON integer or a string of digits), not "
                         + type(value).__name__)
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise ValueError("must be a string of decimal digits (base units; no sign, decimals or exponent)")
        value = int(value)
    if value < minimum:
        raise ValueError(f"must be at least {minimum}")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT} (2**96 - 1)")
    return value


def _schema(minimum: int) -> dict:
    return {
        "oneOf": [
            {"type": "integer", "minimum": minimum, "maximum": MAX_AMOUNT},
            {"type": "string", "pattern": "^[0-9]{1,29}$"},
        ],
        "description": "integer base units of the token",
    }


def _amount_type(minimum: int) -> Any:
    return Annotated[
        int,
        PlainValidator(lambda value: parse_amount(value, minimum=minimum)),
        PlainSerializer(str, return_type=str),
        WithJsonSchema(_schema(minimum)),
    ]


Amount = _amount_type(0)
PositiveAmount = _amount_type(1)
