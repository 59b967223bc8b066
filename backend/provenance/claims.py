"""Claim codes printed inside a product's packaging, so its buyer can claim it once.

A code is 12 Crockford base-32 characters (60 random bits) shown as ``XXXX-XXXX-XXXX``;
it is not in the QR code, so only someone holding the opened package knows it. Only a
keyed hash is stored, bound to the item (``gtin/serial``), so a database leak reveals no
code and a code printed for one item cannot claim another. Rejected: a plain SHA-256,
which an attacker holding the table could brute-force offline per item; a slow password
hash, which would make printing a million codes take hours. Single use is enforced where
the claim is recorded (`service.claim_product` updates only an unclaimed row).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 12
GROUP = 4
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


class InvalidClaimCode(ValueError):
    pass


def generate_code() -> str:
    # 60 random bits read 5 at a time: base 32 is a power of two, so every character is uniform.
    bits = secrets.randbits(5 * CODE_LENGTH)
    raw = "".join(ALPHABET[(bits >> (5 * index)) & 31] for index in range(CODE_LENGTH))
    return "-".join(raw[index:index + GROUP] for index in range(0, CODE_LENGTH, GROUP))


def normalise_code(code: str) -> str:
    """What the buyer typed, as the 12 canonical characters: case, spaces, dashes and look-alikes forgiven."""
    text = "".join(code.split()).replace("-", "").upper().translate(_READ_AS)
    if len(text) != CODE_LENGTH or any(character not in ALPHABET for character in text):
        raise InvalidClaimCode("a claim code has 12 letters and digits, like 7K3M-Q9TX-2HDB")
    return text


def code_hash(pepper: bytes, gtin14: str, serial: str, code: str) -> str:
    """Hex HMAC-SHA256 of the item and the normalised code under the server's pepper."""
    message = f"{gtin14}/{serial}/{normalise_code(code)}".encode("utf-8")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def code_matches(pepper: bytes, gtin14: str, serial: str, code: str, stored_hash: str) -> bool:
    try:
        candidate = code_hash(pepper, gtin14, serial, code)
    except InvalidClaimCode:
        return False
    return hmac.compare_digest(candidate, stored_hash)
