"""Compressed GS1 Digital Link URIs (GS1 Digital Link 1.2 compression), via ``gs1-compression``.

``https://id.brand.example/AQnYUc1gJ1QNQjUWgWgP`` -> the item's DigitalLink. The library is
given the path only (it fails on query strings); it raises assorted exceptions on garbage,
all turned into InvalidDigitalLink here. Its logger (literally named ``__name__``) is silenced.
"""

from __future__ import annotations

import logging
import re

from backend.provenance.digital_link import CANONICAL_RESOLVER, DigitalLink, InvalidDigitalLink, parse

logging.getLogger("__name__").disabled = True

from gs1 import compress_gs1_digital_link, decompress_gs1_digital_link  # noqa: E402

# The compressed path segment of a GTIN-keyed link: base64url, and its first byte is AI 01
# (0x01), so it opens with "A" then one of Q..f (GS1 DL 1.2 compression, section 8). Narrow on
# purpose: it is routed at the resolver root, and must leave other single-segment paths alone.
COMPRESSED_PATTERN = r"A[Q-Za-f][A-Za-z0-9_-]{6,}"
_COMPRESSED = re.compile(COMPRESSED_PATTERN)


def is_compressed(segment: str) -> bool:
    return _COMPRESSED.fullmatch(segment) is not None


def decompress(segment: str) -> DigitalLink:
    if not is_compressed(segment):
        raise InvalidDigitalLink(f"{segment!r} is not a compressed GS1 Digital Link")
    try:
        uri = decompress_gs1_digital_link(f"{CANONICAL_RESOLVER}/{segment}", use_short_text=False)
    except Exception as exc:  # the library raises whatever its parsing hits
        raise InvalidDigitalLink(f"{segment!r} does not decompress to a GS1 Digital Link ({exc})") from None
    return parse(uri)


def compress(link: DigitalLink) -> str:
    """The compressed path segment of an item (what a compact QR code carries)."""
    return compress_gs1_digital_link(link.uri(CANONICAL_RESOLVER)).rsplit("/", 1)[1]
