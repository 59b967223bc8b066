"""EIP-55 checksummed addresses, each computed once and remembered.

`eth_utils.to_checksum_address` costs about 20 µs (a Keccak-256 and its Python wrapping), and
one consent-checked data read checksummed the same subject address four times on its way
through validation, the consent lookup and the pairwise link, and the advertiser's address
twice. The last few thousand addresses are remembered: the advertisers' addresses always
are, and a subject's is computed once per request instead of four times.
"""

from __future__ import annotations

from functools import lru_cache

from eth_utils import to_checksum_address


@lru_cache(maxsize=8192)
def checksummed(address: str) -> str:
    """The EIP-55 form of a 20-byte hex address (``0x``-prefixed, any case); ValueError when it is none."""
    return to_checksum_address(address)
