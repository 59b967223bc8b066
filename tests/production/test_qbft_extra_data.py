"""QBFT extraData: Besu's documented vectors byte for byte, round trips and malformed input."""

from __future__ import annotations

import pytest
import rlp
from hypothesis import given
from hypothesis import strategies as st
from eth_utils import to_checksum_address

from backend.chain_config import ExtraDataError, decode_qbft_extra_data, encode_qbft_extra_data

# Besu documentation, "Configure QBFT consensus" > "Generate extra data": the validators
# in toEncode.json and the output of `besu rlp encode --type=QBFT_EXTRA_DATA`.
BESU_DOC_VALIDATORS = [
    "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
    "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
    "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
    "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
]
BESU_DOC_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11"
    "e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de"
    "94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0"
)
# Same page, the contract validator selection genesis: no validators in extraData.
BESU_DOC_CONTRACT_MODE_EXTRA_DATA = "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0"

addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)


def test_reproduces_besus_documented_extra_data():
    assert encode_qbft_extra_data(BESU_DOC_VALIDATORS) == BESU_DOC_EXTRA_DATA


def test_reproduces_besus_contract_mode_extra_data():
    assert encode_qbft_extra_data([]) == BESU_DOC_CONTRACT_MODE_EXTRA_DATA


def test_decodes_besus_documented_extra_data():
    decoded = decode_qbft_extra_data(BESU_DOC_EXTRA_DATA)
    assert [v.lower() for v in decoded.validators] == BESU_DOC_VALIDATORS
    assert decoded.vanity == bytes(32)
    assert (decoded.vote, decoded.round, decoded.seals) == ((), 0, ())


@given(st.lists(addresses, max_size=12, unique_by=str.lower), st.binary(min_size=32, max_size=32))
def test_round_trips(validators, vanity):
    decoded = decode_qbft_extra_data(encode_qbft_extra_data(validators, vanity))
    assert list(decoded.validators) == validators
    assert decoded.vanity == vanity


@pytest.mark.parametrize(
    "raw, message",
    [
        (rlp.encode([bytes(32), [], [], b""]), "list of 5 items"),
        (rlp.encode([bytes(31), [], [], b"", []]), "vanity"),
        (rlp.encode([bytes(32), [bytes(19)], [], b"", []]), "20-byte addresses"),
        (rlp.encode([bytes(32), [], b"", b"", []]), "vote and seals must be lists"),
        (b"\xf8", "not RLP"),
    ],
)
def test_rejects_malformed_extra_data(raw, message):
    with pytest.raises(ExtraDataError, match=message):
        decode_qbft_extra_data(raw)


def test_encoder_rejects_bad_validators():
    with pytest.raises(ExtraDataError, match="not an address"):
        encode_qbft_extra_data(["0x1234"])
    with pytest.raises(ExtraDataError, match="duplicate"):
        encode_qbft_extra_data([BESU_DOC_VALIDATORS[0], BESU_DOC_VALIDATORS[0].upper().replace("0X", "0x")])
    with pytest.raises(ExtraDataError, match="vanity"):
        encode_qbft_extra_data(BESU_DOC_VALIDATORS, vanity=b"short")
