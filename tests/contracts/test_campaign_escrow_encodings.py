"""backend.settlement encodes leaves, records and attestations exactly as CampaignEscrow does."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from backend.settlement.encoding.attestation import AttestationError, SettlementAttestation, digest, recover_signer, sign, sign_all, type_string, typed_data
from backend.settlement.encoding.leaves import BalanceLeaf, EventLeaf
from backend.settlement.encoding.record import SettlementRecord
from tests.contracts.escrow_world import escrow_base, world  # noqa: F401  (fixtures)

ESCROW = "0x" + "ab" * 20
PUBLISHER = "0x" + "12" * 20


def test_type_string_is_the_contract_typehash(world):
    assert keccak(text=type_string()) == world.escrow.functions.SETTLEMENT_TYPEHASH().call()
    domain = typed_data(SettlementAttestation(1, 1, b"\0" * 32, b"\0" * 32, 0, 0, 0), 5, ESCROW)["domain"]
    fields = world.escrow.functions.eip712Domain().call()
    assert (domain["name"], domain["version"]) == (fields[1], fields[2]) == ("trustledger CampaignEscrow", "1")


def test_balance_leaf_is_the_double_hashed_abi_encoding():
    leaf = BalanceLeaf(7, PUBLISHER.lower(), 1_234)
    assert leaf.publisher == to_checksum_address(PUBLISHER)
    expected = keccak(keccak(encode(["uint256", "address", "uint256"], [7, PUBLISHER, 1_234])))
    assert leaf.hash() == expected


def test_event_leaf_encoding_and_contract_struct():
    event_hash = keccak(text="event")
    leaf = EventLeaf(7, 42, event_hash, PUBLISHER, 2, 150)
    types = ["uint256", "uint64", "bytes32", "address", "uint8", "uint256"]
    assert leaf.hash() == keccak(keccak(encode(types, [7, 42, event_hash, PUBLISHER, 2, 150])))
    assert leaf.contract_struct()[0] == event_hash and leaf.contract_struct()[2:] == (2, 150)


@pytest.mark.parametrize(
    "build",
    [
        lambda: BalanceLeaf(-1, PUBLISHER, 1),
        lambda: BalanceLeaf(1, "not an address", 1),
        lambda: BalanceLeaf(1, PUBLISHER, 2**256),
        lambda: EventLeaf(1, 2**64, b"\0" * 32, PUBLISHER, 0, 1),
        lambda: EventLeaf(1, 1, b"\0" * 31, PUBLISHER, 0, 1),
        lambda: EventLeaf(1, 1, b"\0" * 32, PUBLISHER, 256, 1),
        lambda: SettlementRecord(b"\0" * 32, b"\0" * 32, 1, 2**64, 0),
        lambda: SettlementRecord(b"\0" * 32, b"\0" * 16, 1, 1, 0),
        lambda: SettlementAttestation(1, 1, b"\0" * 32, b"\0" * 32, 1, 2**32, 0),
        lambda: SettlementAttestation(1, -1, b"\0" * 32, b"\0" * 32, 1, 1, 0),
        lambda: SettlementAttestation(1, 1, b"\0" * 32, b"\0" * 32, 1, 1, 2**32),
        lambda: SettlementAttestation(1, 1, b"\0" * 32, b"\0" * 32, 1, 1, -1),
    ],
)
def test_out_of_range_values_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_record_hash_is_what_the_contract_stores(world):
    cid = world.funded_campaign()
    commit = world.commit(cid, 3, {world.publishers[0]: 1_000, world.publishers[1]: 2_000})
    assert commit.record.hash() == world.escrow.functions.settlementHash(cid, 3).call()
    assert commit.record.revision == 0 and commit.record.cumulative_spent == 3_000


def test_sign_and_recover():
    key = b"\x07" * 32
    attestation = SettlementAttestation(1, 2, b"\x01" * 32, b"\x02" * 32, 3, 4, 0)
    signature = sign(attestation, key, 31337, ESCROW)
    assert len(signature) == 65
    assert recover_signer(attestation, signature, 31337, ESCROW) == Account.from_key(key).address
    assert recover_signer(attestation, signature, 1, ESCROW) != Account.from_key(key).address
    assert digest(attestation, 31337, ESCROW) != digest(attestation, 31337, "0x" + "cd" * 20)
    next_revision = SettlementAttestation(1, 2, b"\x01" * 32, b"\x02" * 32, 3, 4, 1)
    assert recover_signer(next_revision, signature, 31337, ESCROW) != Account.from_key(key).address, (
        "a signature binds the revision its figures build on"
    )


def test_sign_all_orders_by_signer_and_refuses_a_repeated_key():
    keys = [bytes([i]) * 32 for i in range(1, 6)]
    attestation = SettlementAttestation(1, 2, b"\x01" * 32, b"\x02" * 32, 3, 4, 0)
    signatures = sign_all(attestation, keys, 31337, ESCROW)
    signers = [int(recover_signer(attestation, s, 31337, ESCROW), 16) for s in signatures]
    assert signers == sorted(signers) and len(set(signers)) == 5
    with pytest.raises(AttestationError):
        sign_all(attestation, [keys[0], keys[0]], 31337, ESCROW)
