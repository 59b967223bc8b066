"""The batch leaf hashers give exactly the leaves of backend.settlement.encoding.leaves (and so of the contract)."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings, strategies as st

from backend.settlement.encoding.leaf_hashing import EventLeafHasher, balance_leaf_hash
from backend.settlement.encoding.leaves import BalanceLeaf, EventLeaf

uint = lambda bits: st.integers(min_value=0, max_value=2**bits - 1)  # noqa: E731
addresses = st.binary(min_size=20, max_size=20).map(lambda raw: to_checksum_address("0x" + raw.hex()))


@settings(max_examples=200, deadline=None)
@given(uint(256), uint(64), st.binary(min_size=32, max_size=32), addresses, uint(8), uint(256))
def test_event_leaf_hashes_match_the_abi_encoded_leaf(campaign_id, epoch, event_hash, publisher, kind, price):
    fast = EventLeafHasher(campaign_id, epoch).hash(event_hash, publisher, kind, price)
    assert fast == EventLeaf(campaign_id, epoch, event_hash, publisher, kind, price).hash()


@settings(max_examples=200, deadline=None)
@given(uint(256), addresses, uint(256))
def test_balance_leaf_hashes_match_the_abi_encoded_leaf(campaign_id, publisher, cumulative):
    expected = BalanceLeaf(campaign_id, publisher, cumulative).hash()
    assert balance_leaf_hash(campaign_id, publisher, cumulative) == expected


def test_lowercase_addresses_hash_like_checksummed_ones():
    publisher = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    assert balance_leaf_hash(1, publisher.lower(), 5) == balance_leaf_hash(1, publisher, 5)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: EventLeafHasher(1, 2**64), ValueError),
        (lambda: EventLeafHasher(-1, 1), ValueError),
        (lambda: EventLeafHasher(1, 1).hash(b"\x01" * 31, "0x" + "11" * 20, 0, 1), ValueError),
        (lambda: EventLeafHasher(1, 1).hash(b"\x01" * 32, "0x" + "11" * 19, 0, 1), ValueError),
        (lambda: EventLeafHasher(1, 1).hash(b"\x01" * 32, "0x" + "11" * 20, 0, -1), OverflowError),
        (lambda: EventLeafHasher(1, 1).hash(b"\x01" * 32, "0x" + "11" * 20, 0, 2**256), OverflowError),
        (lambda: balance_leaf_hash(1, "0x" + "11" * 20, 2**256), ValueError),
    ],
)
def test_out_of_range_fields_are_refused(call, error):
    with pytest.raises(error):
        call()
