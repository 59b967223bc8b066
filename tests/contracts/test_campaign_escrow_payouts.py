"""CampaignEscrow: maturing roots, payouts with cumulative fees, fee withdrawal, verifyEvent."""

from __future__ import annotations

from backend.settlement.encoding.leaves import EventLeaf
from backend.settlement.encoding.record import SettlementRecord
from tests.contracts.escrow_world import FEE_BPS, WINDOW, escrow_base, world  # noqa: F401  (fixtures)
from tests.factories import DAY, Role, increase_time, onboard, transact


def fee(amount: int) -> int:
    return amount * FEE_BPS // 10_000


def test_mature_then_payout_pays_cumulative_minus_fee(world):
    cid = world.funded_campaign()
    alice, bob = world.publishers[:2]
    world.commit(cid, 1, {alice: 1_000_003, bob: 500_000})
    increase_time(world.w3, WINDOW)
    receipt = world.mature(cid, 1)
    (matured,) = world.events(receipt, "SettlementMatured")
    assert (matured.args.epoch, matured.args.cumulativeSpent) == (1, 1_500_003)

    before = world.balance(alice)
    receipt = world.payout(cid, 1, alice)
    (paid,) = world.events(receipt, "PaidOut")
    assert paid.args.fee == fee(1_000_003) == 25_000
    assert paid.args.amount == 1_000_003 - 25_000
    assert world.balance(alice) - before == 975_003
    state = world.campaign(cid)
    assert (state["settled"], state["feesPending"], state["maturedSpent"]) == (1_000_003, 25_000, 1_500_003)
    assert world.escrow.functions.settledOf(cid, alice).call() == 1_000_003


def test_next_payout_pays_only_the_difference_and_fee_is_taken_on_cumulative(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    world.commit(cid, 1, {alice: 39})  # fee(39) = 0
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    world.payout(cid, 1, alice)
    world.commit(cid, 2, {alice: 80})  # fee(80) = 2: the second payout carries the whole fee
    increase_time(world.w3, WINDOW)
    world.mature(cid, 2)
    receipt = world.payout(cid, 2, alice)
    (paid,) = world.events(receipt, "PaidOut")
    assert (paid.args.amount, paid.args.fee, paid.args.cumulativeEarned) == (80 - 39 - 2, 2, 80)
    assert world.campaign(cid)["feesPending"] == fee(80)


def test_double_payout_pays_nothing_more(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    world.commit(cid, 1, {alice: 1_000})
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    world.payout(cid, 1, alice)
    balance = world.balance(alice)
    args = world.reverts(world.payout_call(cid, 1, alice), world.outsider, "CampaignEscrowNothingToPay")
    assert args[2:] == (1_000, 1_000)
    assert world.balance(alice) == balance


def test_payout_before_any_root_matured_reverts(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    world.commit(cid, 1, {alice: 1_000})
    world.reverts(world.payout_call(cid, 1, alice), world.outsider, "CampaignEscrowNoMaturedRoot")


def test_mature_before_the_window_passed_reverts(world):
    cid = world.funded_campaign()
    commit = world.commit(cid, 1, {world.publishers[0]: 1_000})
    increase_time(world.w3, WINDOW - 10)
    args = world.reverts(world.escrow.functions.matureSettlement(cid, 1, commit.record.as_tuple()),
                          world.outsider, "CampaignEscrowChallengeWindowOpen")
    assert args == (cid, 1, commit.record.committed_at + WINDOW)


def test_mature_rejects_a_wrong_record_an_old_epoch_and_unknown_campaign(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    first = world.commit(cid, 1, {alice: 1_000})
    second = world.commit(cid, 2, {alice: 2_000})
    increase_time(world.w3, WINDOW)
    forged = SettlementRecord(first.record.events_root, second.record.balance_root, 1_000,
                              first.record.committed_at, 0)
    mature = world.escrow.functions.matureSettlement
    world.reverts(mature(cid, 1, forged.as_tuple()), world.outsider, "CampaignEscrowUnknownSettlement")
    world.reverts(mature(cid, 3, second.record.as_tuple()), world.outsider, "CampaignEscrowUnknownSettlement")
    world.reverts(mature(99, 1, first.record.as_tuple()), world.outsider, "CampaignEscrowUnknownCampaign")
    world.mature(cid, 2)
    args = world.reverts(mature(cid, 1, first.record.as_tuple()), world.outsider, "CampaignEscrowAlreadyMatured")
    assert args == (cid, 1, 2)


def test_frequent_commits_do_not_hold_payouts_back(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    for epoch in range(1, 5):
        world.commit(cid, epoch, {alice: 1_000 * epoch})
        increase_time(world.w3, WINDOW // 3)
    world.mature(cid, 2)  # epochs 3 and 4 are still in their windows
    world.payout(cid, 2, alice)
    assert world.escrow.functions.settledOf(cid, alice).call() == 2_000


def test_payout_rejects_bad_proofs_and_inflated_amounts(world):
    cid = world.funded_campaign()
    alice, bob = world.publishers[:2]
    commit = world.commit(cid, 1, {alice: 1_000, bob: 2_000})
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    payout = world.escrow.functions.payout
    inflated = payout(cid, alice, 5_000, commit.proof(cid, alice))
    args = world.reverts(inflated, world.outsider, "CampaignEscrowInvalidProof")
    assert args == (cid, alice, 5_000)
    swapped = payout(cid, alice, 2_000, commit.proof(cid, bob))
    world.reverts(swapped, world.outsider, "CampaignEscrowInvalidProof")
    other_campaign = payout(cid + 1, alice, 1_000, commit.proof(cid, alice))
    world.reverts(other_campaign, world.outsider, "CampaignEscrowUnknownCampaign")


def test_payout_only_to_an_active_kycd_publisher(world):
    cid = world.funded_campaign()
    alice, bob, carol = world.publishers[:3]
    outsider = world.outsider
    world.commit(cid, 1, {alice: 1_000, bob: 1_000, carol: 1_000, outsider: 1_000})
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    transact(world.registry.functions.suspend(alice), world.admin)
    transact(world.registry.functions.setKyc(bob, 0), world.admin)  # KYC revoked
    for publisher in (alice, bob, outsider):
        args = world.reverts(world.payout_call(cid, 1, publisher), world.outsider, "CampaignEscrowInactiveParticipant")
        assert args == (publisher, Role.PUBLISHER)
    world.payout(cid, 1, carol)
    onboard(world.registry, outsider, Role.PUBLISHER)
    world.payout(cid, 1, outsider)


def test_kyc_expiry_blocks_payout(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    onboard(world.registry, alice, Role.PUBLISHER, kyc_days=2)
    world.commit(cid, 1, {alice: 1_000})
    increase_time(world.w3, 3 * DAY)
    world.mature(cid, 1)
    world.reverts(world.payout_call(cid, 1, alice), world.outsider, "CampaignEscrowInactiveParticipant")


def test_leaves_above_the_committed_spend_cannot_be_paid(world):
    cid = world.funded_campaign()
    alice, bob = world.publishers[:2]
    world.commit(cid, 1, {alice: 600, bob: 600}, spent=1_000)  # a faulty root: leaves sum to 1,200
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    world.payout(cid, 1, alice)
    args = world.reverts(world.payout_call(cid, 1, bob), world.outsider, "CampaignEscrowOverSpend")
    assert args == (cid, 1_200, 1_000)


def test_withdraw_fees_in_one_call(world):
    first = world.funded_campaign()
    second = world.funded_campaign()
    alice = world.publishers[0]
    for cid, amount in ((first, 100_000), (second, 300_000)):
        world.commit(cid, 1, {alice: amount})
    increase_time(world.w3, WINDOW)
    for cid in (first, second):
        world.mature(cid, 1)
        world.payout(cid, 1, alice)
    withdraw = world.escrow.functions.withdrawFees(world.token.address, [first, second])
    world.reverts(withdraw, world.advertiser, "CampaignEscrowUnauthorized")
    treasury = world.escrow.functions.treasury().call()
    before = world.balance(treasury)
    receipt = transact(withdraw, world.admin)
    events = world.events(receipt, "FeesWithdrawn")
    assert [(e.args.campaignId, e.args.amount) for e in events] == [(first, fee(100_000)), (second, fee(300_000))]
    assert world.balance(treasury) - before == fee(100_000) + fee(300_000)
    assert world.campaign(first)["feesPending"] == 0
    receipt = transact(withdraw, world.admin)  # nothing left: no transfer, no event
    assert world.events(receipt, "FeesWithdrawn") == []
    assert world.balance(treasury) - before == fee(100_000) + fee(300_000)


def test_withdraw_fees_refuses_a_campaign_in_another_token(world):
    cid = world.funded_campaign()
    args = world.reverts(world.escrow.functions.withdrawFees(world.outsider, [cid]), world.admin, "CampaignEscrowTokenMismatch")
    assert args == (cid, world.outsider)


def test_verify_event(world):
    cid = world.funded_campaign()
    alice, bob = world.publishers[:2]
    commit = world.commit(cid, 1, {alice: 1_000, bob: 2_000})
    leaf = commit.events[0]
    verify = world.escrow.functions.verifyEvent
    record = commit.record.as_tuple()
    assert verify(cid, 1, leaf.contract_struct(), commit.event_proof(leaf), record).call() is True
    other = commit.events[1]
    assert verify(cid, 1, other.contract_struct(), commit.event_proof(leaf), record).call() is False
    repriced = EventLeaf(cid, 1, leaf.event_hash, leaf.publisher, leaf.kind, leaf.price + 1)
    assert verify(cid, 1, repriced.contract_struct(), commit.event_proof(leaf), record).call() is False
    assert verify(cid, 2, leaf.contract_struct(), commit.event_proof(leaf), record).call() is False
    late = SettlementRecord(*commit.record.as_tuple()[:3], commit.record.committed_at + 1, 0)
    assert verify(cid, 1, leaf.contract_struct(), commit.event_proof(leaf), late.as_tuple()).call() is False


def test_withdraw_fees_refuses_an_unknown_campaign(world):
    cid = world.funded_campaign()
    args = world.reverts(world.escrow.functions.withdrawFees(world.token.address, [cid, cid + 1]), world.admin,
                         "CampaignEscrowUnknownCampaign")
    assert args == (cid + 1,)
