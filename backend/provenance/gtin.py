"""GS1 keys with a mod-10 check digit: GTIN-8/12/13/14 (normalised to 14 digits), GLN, SSCC.

GTIN-8, -12 and -13 are the same number space as GTIN-14 padded with leading zeros,
so one 14-digit form is stored and compared everywhere.
"""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


class InvalidGtin(ValueError):
    """A GTIN that is not 8/12/13/14 digits or whose check digit is wrong; the message says which."""


def check_digit(body: str) -> int:
    """GS1 mod-10 check digit of `body` (all digits but the last): weights 3,1,3,... from the right."""
    if not body.isdigit() or not body.isascii():
        raise ValueError(f"{body!r} is not all digits")
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(key: str) -> bool:
    return len(key) >= 2 and key.isascii() and key.isdigit() and check_digit(key[:-1]) == int(key[-1])


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def normalise_gtin(value: str) -> str:
    """The GTIN-14 of a GTIN-8/12/13/14, after checking its length, digits and check digit."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidGtin(f"GTIN {value!r} must contain digits only")
    if len(text) not in GTIN_LENGTHS:
        raise InvalidGtin(f"GTIN {value!r} has {len(text)} digits; expected 8, 12, 13 or 14")
    expected = check_digit(text[:-1])
    if expected != int(text[-1]):
        raise InvalidGtin(f"GTIN {value!r} has check digit {text[-1]}; expected {expected}")
    return text.zfill(14)


def is_valid_gtin(value: str) -> bool:
    try:
        normalise_gtin(value)
    except InvalidGtin:
        return False
    return True
