"""CampaignEscrow refunds: timing, what is returned, and a closed campaign that never moves money again."""

from __future__ import annotations

from tests.contracts.escrow_world import (  # noqa: F401  (fixtures)
    BUDGET,
    CLAIM,
    FEE_BPS,
    GRACE,
    WINDOW,
    escrow_base,
    world,
)
from tests.factories import DAY, increase_time, transact


def settled_campaign(world, pay: bool = True) -> int:
    """A one-day campaign: alice earned 1,000, bob 3,000; the last root matured after the grace."""
    alice, bob = world.publishers[:2]
    cid = world.funded_campaign(duration=DAY)
    world.commit(cid, 1, {alice: 1_000})
    increase_time(world.w3, DAY + GRACE - 60)
    world.commit(cid, 2, {alice: 1_000, bob: 3_000})
    increase_time(world.w3, WINDOW + 60)
    world.mature(cid, 2)
    if pay:
        world.payout(cid, 2, alice)
        world.payout(cid, 2, bob)
    return cid


def fee(amount: int) -> int:
    return amount * FEE_BPS // 10_000


def test_refund_returns_the_unspent_budget_pays_pending_fees_and_closes(world):
    cid = settled_campaign(world)
    treasury = world.escrow.functions.treasury().call()
    advertiser_before, treasury_before = world.balance(world.advertiser), world.balance(treasury)
    receipt = transact(world.escrow.functions.refund(cid), world.advertiser)
    (refunded,) = world.events(receipt, "CampaignRefunded")
    (fees,) = world.events(receipt, "FeesWithdrawn")
    assert (refunded.args.campaignId, refunded.args.advertiser, refunded.args.amount) == (
        cid, world.advertiser, BUDGET - 4_000)
    assert (fees.args.amount, fees.args.treasury) == (fee(1_000) + fee(3_000), treasury)
    assert world.balance(world.advertiser) - advertiser_before == BUDGET - 4_000
    assert world.balance(treasury) - treasury_before == fee(1_000) + fee(3_000)
    assert world.balance(world.escrow.address) == 0
    state = world.campaign(cid)
    assert (state["closed"], state["feesPending"]) == (True, 0)


def test_refund_timing(world):
    alice = world.publishers[0]
    cid = world.funded_campaign(duration=DAY)
    world.commit(cid, 1, {alice: 1_000})
    end = world.campaign(cid)["endTime"]
    available = end + GRACE + WINDOW
    refund = world.escrow.functions.refund(cid)
    assert world.reverts(refund, world.advertiser, "CampaignEscrowRefundTooEarly") == (cid, available)
    increase_time(world.w3, DAY + GRACE + WINDOW)
    assert world.reverts(refund, world.advertiser, "CampaignEscrowUnmaturedSettlement") == (cid, 1, 0)
    world.mature(cid, 1)
    claim_deadline = available + CLAIM
    assert world.reverts(refund, world.advertiser, "CampaignEscrowUnpaidEarnings") == (cid, 1_000, claim_deadline)
    assert world.reverts(refund, world.outsider, "CampaignEscrowNotAdvertiser") == (cid, world.outsider)
    world.payout(cid, 1, alice)
    transact(refund, world.advertiser)


def test_ending_early_brings_the_refund_forward(world):
    cid = world.funded_campaign(duration=30 * DAY)
    transact(world.escrow.functions.endCampaign(cid), world.advertiser)
    increase_time(world.w3, GRACE + WINDOW)
    before = world.balance(world.advertiser)
    transact(world.escrow.functions.refund(cid), world.advertiser)
    assert world.balance(world.advertiser) - before == BUDGET


def test_unclaimed_earnings_return_after_the_claim_period(world):
    cid = settled_campaign(world, pay=False)
    world.payout(cid, 2, world.publishers[0])  # bob never claims his 3,000
    increase_time(world.w3, CLAIM)
    before = world.balance(world.advertiser)
    receipt = transact(world.escrow.functions.refund(cid), world.advertiser)
    assert world.events(receipt, "CampaignRefunded")[0].args.amount == BUDGET - 1_000
    assert world.balance(world.advertiser) - before == BUDGET - 1_000


def test_no_refund_while_a_challenge_is_open(world):
    alice = world.publishers[0]
    cid = world.funded_campaign(duration=DAY)
    increase_time(world.w3, DAY + GRACE - 60)
    world.commit(cid, 1, {alice: 1_000})
    world.challenge(cid, 1)
    increase_time(world.w3, WINDOW + 60)
    refund = world.escrow.functions.refund(cid)
    assert world.reverts(refund, world.advertiser, "CampaignEscrowChallengeOpen") == (cid, 1)
    transact(world.escrow.functions.resolveChallenge(cid, True), world.auditor)
    before = world.balance(world.advertiser)
    transact(refund, world.advertiser)  # the discarded root leaves nothing unmatured
    assert world.balance(world.advertiser) - before == BUDGET
    assert world.campaign(cid)["closed"] is True


def test_a_closed_campaign_never_moves_money_again(world):
    cid = settled_campaign(world, pay=False)
    alice, bob = world.publishers[:2]
    world.payout(cid, 2, alice)
    increase_time(world.w3, CLAIM)
    transact(world.escrow.functions.refund(cid), world.advertiser)
    escrow_balance = world.balance(world.escrow.address)
    escrow = world.escrow.functions
    record = world.commits[cid][2].record.as_tuple()
    transact(world.token.functions.approve(world.escrow.address, BUDGET), world.advertiser)
    for call, sender in (
        (escrow.fund(cid, 1), world.advertiser),
        (world.payout_call(cid, 2, bob), world.outsider),
        (escrow.matureSettlement(cid, 2, record), world.outsider),
        (escrow.challenge(cid, 2, record, 0, []), world.advertiser),
        (escrow.refund(cid), world.advertiser),
    ):
        assert world.reverts(call, sender, "CampaignEscrowClosed") == (cid,)
    commit, _, _ = world.commit_call(cid, 3, {alice: 1_000, bob: 3_000})
    world.reverts(commit, world.outsider, "CampaignEscrowSettlementClosed")
    receipt = transact(escrow.withdrawFees(world.token.address, [cid]), world.admin)
    assert world.events(receipt, "FeesWithdrawn") == []
    assert world.balance(world.escrow.address) == escrow_balance


def test_a_suspended_advertiser_cannot_refund(world):
    cid = settled_campaign(world)
    transact(world.registry.functions.suspend(world.advertiser), world.admin)
    world.reverts(world.escrow.functions.refund(cid), world.advertiser, "CampaignEscrowInactiveParticipant")
