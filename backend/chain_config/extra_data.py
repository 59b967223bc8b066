"""QBFT ``extraData``: how a Besu QBFT genesis block names its validators.

Besu reads the genesis ``extraData`` as ``RLP([vanity, validators, vote, round, seals])``:
32 bytes of vanity, the validator addresses (block header validator selection), no
vote (an empty list), round 0 (the empty byte string, RLP's integer zero) and no
seals (an empty list). Besu's own ``rlp encode --type=QBFT_EXTRA_DATA`` writes the
addresses in the order given; the generator passes them sorted ascending, the order
Besu's documentation asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import rlp
from eth_utils import is_hex_address, to_canonical_address, to_checksum_address

VANITY_LENGTH = 32
ADDRESS_LENGTH = 20


class ExtraDataError(ValueError):
    """The bytes are not a well-formed QBFT extraData."""


@dataclass(frozen=True)
class QbftExtraData:
    vanity: bytes
    validators: tuple[str, ...]  # checksummed addresses, in encoded order
    vote: tuple[bytes, ...]  # empty, or (recipient address, vote type)
    round: int
    seals: tuple[bytes, ...]


def encode_qbft_extra_data(validators: Sequence[str], vanity: bytes = bytes(VANITY_LENGTH)) -> str:
    """The genesis ``extraData`` (0x-prefixed hex) naming ``validators`` in the given order."""
    if len(vanity) != VANITY_LENGTH:
        raise ExtraDataError(f"vanity must be {VANITY_LENGTH} bytes, got {len(vanity)}")
    addresses = []
    for validator in validators:
        if not is_hex_address(validator):
            raise ExtraDataError(f"not an address: {validator!r}")
        addresses.append(to_canonical_address(validator))
    if len(set(addresses)) != len(addresses):
        raise ExtraDataError("duplicate validator address")
    return "0x" + rlp.encode([vanity, addresses, [], b"", []]).hex()


def decode_qbft_extra_data(extra_data: str | bytes) -> QbftExtraData:
    raw = bytes.fromhex(extra_data.removeprefix("0x")) if isinstance(extra_data, str) else extra_data
    try:
        items = rlp.decode(raw)
    except rlp.exceptions.DecodingError as exc:
        raise ExtraDataError(f"not RLP: {exc}") from exc
    if not isinstance(items, list) or len(items) != 5:
        raise ExtraDataError("QBFT extraData is a list of 5 items: vanity, validators, vote, round, seals")
    vanity, validators, vote, round_bytes, seals = items
    if not isinstance(vanity, bytes) or len(vanity) != VANITY_LENGTH:
        raise ExtraDataError("vanity must be 32 bytes")
    if not isinstance(validators, list) or any(
        not isinstance(v, bytes) or len(v) != ADDRESS_LENGTH for v in validators
    ):
        raise ExtraDataError("validators must be a list of 20-byte addresses")
    if not isinstance(vote, list) or not isinstance(seals, list) or not isinstance(round_bytes, bytes):
        raise ExtraDataError("vote and seals must be lists, round a byte string")
    if any(not isinstance(item, bytes) for item in [*vote, *seals]):
        raise ExtraDataError("vote and seal entries must be byte strings")
    return QbftExtraData(
        vanity=vanity,
        validators=tuple(to_checksum_address(v) for v in validators),
        vote=tuple(vote),
        round=int.from_bytes(round_bytes, "big"),
        seals=tuple(seals),
    )
