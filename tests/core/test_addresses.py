"""EIP-55 addresses: computed once, the same as eth_utils', and the API's `Address` type on top."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from pydantic import TypeAdapter, ValidationError

from backend.consent.schemas import Address
from backend.core.addresses import checksummed

# EIP-55's own test vectors
VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
ADDRESS = TypeAdapter(Address)


@pytest.mark.parametrize("address", VECTORS)
def test_any_case_gives_the_checksummed_form(address):
    for written in (address, address.lower(), "0x" + address[2:].upper()):
        assert checksummed(written) == address == to_checksum_address(written)


def test_it_is_remembered_and_bad_input_is_refused_every_time():
    checksummed.cache_clear()
    checksummed(VECTORS[0])
    checksummed(VECTORS[0])
    assert checksummed.cache_info().hits == 1
    for _ in range(2):
        with pytest.raises(ValueError):
            checksummed("0x1234")


def test_the_address_type_accepts_one_case_or_the_right_checksum_only():
    assert ADDRESS.validate_python(VECTORS[1].lower()) == VECTORS[1]
    assert ADDRESS.validate_python(VECTORS[1]) == VECTORS[1]
    wrong = VECTORS[1][:3] + VECTORS[1][3].swapcase() + VECTORS[1][4:]  # one letter's case flipped
    with pytest.raises(ValidationError, match="wrong EIP-55 checksum"):
        ADDRESS.validate_python(wrong)
    with pytest.raises(ValidationError):
        ADDRESS.validate_python("0x" + "g" * 40)
