"""build_epoch: cumulative pricing across epochs, reserve and deposit, both trees and the attestation."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from backend.campaigns.kinds import EventKind
from backend.ads.pricing import BillableEvent, Outcome, reserve_for
from backend.campaigns.terms import parse_terms
from backend.proofs.merkle import MerkleTree, verify_proof
from backend.settlement.epochs.pricing import build_epoch
from backend.settlement.encoding.leaves import BalanceLeaf, EventLeaf

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
BOB = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
TERMS = parse_terms({"version": 1, "pricing": {"cpm": 1_500, "cpc": 200}})
T = 1_800_000_000


def events(publisher: str, kind: EventKind, count: int, start: int) -> list[BillableEvent]:
    return [BillableEvent(start + n, publisher, kind, T, T + start + n) for n in range(count)]


def hashes(batch: list[BillableEvent]) -> dict[int, bytes]:
    return {e.sequence: keccak(text=f"event {e.sequence}") for e in batch}


def build(batch, *, epoch=10, tallies=None, spent=0, deposit=10**9, reserve=0):
    return build_epoch(
        campaign_id=7, epoch=epoch, revision=0, terms=TERMS, events=batch, event_hashes=hashes(batch),
        tallies=tallies or {}, cumulative_spent=spent, deposit=deposit, reserve=reserve,
    )


def test_roots_are_the_trees_of_the_contract_leaves_and_every_event_is_provable():
    batch = events(ALICE, EventKind.IMPRESSION, 3, 0) + events(BOB, EventKind.CLICK, 2, 100)
    built = build(batch)
    assert [e.price for e in built.pricing.events] == [1, 2, 1, 200, 200]
    expected_leaves = [
        EventLeaf(7, 10, keccak(text=f"event {e.sequence}"), e.publisher, e.kind.code, e.price).hash()
        for e in built.pricing.events
    ]
    assert list(built.event_leaves) == expected_leaves
    assert built.events_tree.root == MerkleTree(expected_leaves).root
    assert built.balances == {ALICE: 4, BOB: 400}
    balance_leaves = [BalanceLeaf(7, ALICE, 4).hash(), BalanceLeaf(7, BOB, 400).hash()]
    assert built.balance_tree.root == MerkleTree(balance_leaves).root
    for leaf in expected_leaves:
        assert verify_proof(built.events_tree.proof(leaf), built.events_tree.root, leaf)
    attestation = built.attestation()
    assert (attestation.campaign_id, attestation.epoch, attestation.cumulative_spent, attestation.event_count) == (
        7, 10, 404, 5
    )
    assert built.billed_amount == 404


def test_the_next_epoch_prices_on_cumulative_counts_and_keeps_every_balance():
    first = build(events(ALICE, EventKind.IMPRESSION, 3, 0))
    second = build(events(BOB, EventKind.IMPRESSION, 1, 10) + events(ALICE, EventKind.IMPRESSION, 1, 11),
                   epoch=11, tallies=first.pricing.tallies, spent=first.pricing.cumulative_spent)
    assert [e.price for e in second.pricing.events] == [1, 2]  # Alice's 4th impression: floor(6) - floor(4.5)
    assert second.balances == {ALICE: 6, BOB: 1}
    assert (second.billed_amount, second.pricing.cumulative_spent, second.billed_count) == (3, 7, 2)


def test_a_publisher_without_events_this_epoch_keeps_its_leaf():
    first = build(events(ALICE, EventKind.CLICK, 1, 0))
    second = build(events(BOB, EventKind.CLICK, 1, 5), epoch=11, tallies=first.pricing.tallies, spent=200)
    assert second.balances == {ALICE: 200, BOB: 200}
    assert BalanceLeaf(7, ALICE, 200).hash() in second.balance_tree


def test_the_reserve_and_the_deposit_bound_billing():
    batch = events(ALICE, EventKind.CLICK, 10, 0)
    built = build(batch, deposit=1_000, reserve=reserve_for(1_000, 2_000))
    assert [e.outcome for e in built.pricing.events] == [Outcome.BILLED] * 4 + [Outcome.OVER_BUDGET] * 6
    assert (built.pricing.cumulative_spent, built.billed_count) == (800, 4)
    nearly = build(batch, spent=900, deposit=1_000)
    assert nearly.billed_count == 0 and not nearly.committable
    with pytest.raises(ValueError, match="billed nothing"):
        nearly.attestation()
