"""CampaignEscrow disputes: bonded challenges freeze unmatured roots; auditors uphold or reject in time."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractCustomError

from tests.contracts.escrow_world import BOND, RESOLUTION, WINDOW, escrow_base, world  # noqa: F401  (fixtures)
from tests.factories import Role, custom_error, increase_time, now, transact

UPHELD, REJECTED, EXPIRED = 0, 1, 2


def setup_three_roots(world):
    """Epoch 1 matured (alice 1,000), epochs 2 and 3 in their windows."""
    alice, bob = world.publishers[:2]
    cid = world.funded_campaign()
    world.commit(cid, 1, {alice: 1_000})
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    world.commit(cid, 2, {alice: 2_000, bob: 500})
    world.commit(cid, 3, {alice: 3_000, bob: 900})
    return cid


def test_advertiser_challenge_takes_the_bond_and_freezes_every_unmatured_root(world):
    cid = setup_three_roots(world)
    before = world.balance(world.advertiser)
    receipt = world.challenge(cid, 3)
    (event,) = world.events(receipt, "SettlementChallenged")
    deadline = now(world.w3) + RESOLUTION
    assert (event.args.epoch, event.args.challenger, event.args.bond, event.args.deadline) == (
        3, world.advertiser, BOND, deadline)
    assert before - world.balance(world.advertiser) == BOND
    assert tuple(world.escrow.functions.openChallenge(cid).call()) == (world.advertiser, 3, deadline, BOND)

    increase_time(world.w3, WINDOW)
    mature = world.escrow.functions.matureSettlement
    for epoch in (2, 3):  # epoch 2 precedes the challenged one: frozen all the same
        args = world.reverts(mature(cid, epoch, world.commits[cid][epoch].record.as_tuple()), world.outsider,
                             "CampaignEscrowChallengeOpen")
        assert args == (cid, 3)
    world.payout(cid, 1, world.publishers[0])  # the matured root still pays
    assert world.reverts(world.challenge_call(cid, 2, world.advertiser), world.advertiser,
                         "CampaignEscrowChallengeOpen") == (cid, 3)


def test_publisher_proves_membership_in_the_challenged_or_the_matured_root(world):
    cid = setup_three_roots(world)
    alice, bob, carol = world.publishers[:3]
    world.challenge(cid, 3, challenger=bob)  # bob's leaf is in epoch 3
    transact(world.escrow.functions.resolveChallenge(cid, False), world.auditor)
    world.commit(cid, 4, {bob: 3_800, carol: 100})  # alice left out of epoch 4
    world.challenge(cid, 4, challenger=alice, proof_epoch=1)  # proves herself with the matured root
    assert world.escrow.functions.openChallenge(cid).call()[0] == alice


def test_outsiders_and_forged_leaves_cannot_challenge(world):
    cid = setup_three_roots(world)
    carol = world.publishers[2]  # in no root of this campaign
    transact(world.token.functions.approve(world.escrow.address, BOND), carol)
    record = world.commits[cid][3].record.as_tuple()
    alice_proof = world.commits[cid][3].proof(cid, world.publishers[0])
    forged = world.escrow.functions.challenge(cid, 3, record, 3_000, alice_proof)
    assert world.reverts(forged, carol, "CampaignEscrowNotCampaignMember") == (cid, carol)
    empty = world.escrow.functions.challenge(cid, 3, record, 0, [])
    assert world.reverts(empty, world.outsider, "CampaignEscrowNotCampaignMember") == (cid, world.outsider)


def test_challenge_only_inside_the_window_of_a_known_unmatured_root(world):
    cid = setup_three_roots(world)
    adv = world.advertiser
    assert world.reverts(world.challenge_call(cid, 1, adv), adv, "CampaignEscrowAlreadyMatured") == (cid, 1, 1)
    wrong = world.escrow.functions.challenge(cid, 2, world.commits[cid][3].record.as_tuple(), 0, [])
    assert world.reverts(wrong, adv, "CampaignEscrowUnknownSettlement") == (cid, 2)
    increase_time(world.w3, WINDOW)
    closes = world.commits[cid][2].record.committed_at + WINDOW
    assert world.reverts(world.challenge_call(cid, 2, adv), adv, "CampaignEscrowChallengeWindowClosed") == (
        cid, 2, closes)


def test_upheld_discards_unmatured_roots_and_rewinds_spend(world):
    cid = setup_three_roots(world)
    alice, bob = world.publishers[:2]
    world.challenge(cid, 3, challenger=bob)
    bond_before = world.balance(bob)
    world.reverts(world.escrow.functions.resolveChallenge(cid, True), world.outsider,
                  "CampaignEscrowInactiveParticipant")
    receipt = transact(world.escrow.functions.resolveChallenge(cid, True), world.auditor)
    (event,) = world.events(receipt, "ChallengeResolved")
    assert (event.args.epoch, event.args.outcome, event.args.bond) == (3, UPHELD, BOND)
    assert (event.args.revision, event.args.cumulativeSpent, event.args.resolver) == (1, 1_000, world.auditor)
    assert world.balance(bob) - bond_before == BOND
    state = world.campaign(cid)
    assert (state["revision"], state["cumulativeSpent"], state["revisionStart"]) == (1, 1_000, 3)
    assert world.escrow.functions.validThrough(cid, 0).call() == 1

    increase_time(world.w3, WINDOW)
    for epoch in (2, 3):  # both discarded, even epoch 2, which nobody challenged
        args = world.reverts(world.escrow.functions.matureSettlement(
            cid, epoch, world.commits[cid][epoch].record.as_tuple()), world.outsider,
            "CampaignEscrowDiscardedSettlement")
        assert args == (cid, epoch, 0)
    verify = world.escrow.functions.verifyEvent
    for epoch, expected in ((1, True), (2, False), (3, False)):
        commit = world.commits[cid][epoch]
        leaf = commit.events[0]
        assert verify(cid, epoch, leaf.contract_struct(), commit.event_proof(leaf),
                      commit.record.as_tuple()).call() is expected

    below = world.commit_call(cid, 4, {alice: 999})[0]
    assert world.reverts(below, world.outsider, "CampaignEscrowSpendDecreased") == (cid, 999, 1_000)
    world.commit(cid, 4, {alice: 1_800, bob: 400})  # corrected figures, below the discarded 3,900
    increase_time(world.w3, WINDOW)
    world.mature(cid, 4)
    world.payout(cid, 4, bob)
    assert world.escrow.functions.settledOf(cid, bob).call() == 400


@pytest.mark.parametrize("close", ["upheld", "expired"])
def test_a_commit_signed_before_the_challenge_closed_cannot_land_in_the_new_revision(world, close):
    """Signed at revision 0 on top of the roots the challenge discards (epoch 4 continues epoch 3's
    3,900), sent after: it passes every other check (later epoch, spend above the rewound 1,000)
    but must not become a root of revision 1."""
    cid = setup_three_roots(world)
    alice, bob = world.publishers[:2]
    stale, attestation, _ = world.commit_call(cid, 4, {alice: 3_500, bob: 1_100})
    assert attestation.revision == 0
    world.challenge(cid, 3)
    if close == "upheld":
        transact(world.escrow.functions.resolveChallenge(cid, True), world.auditor)
    else:
        increase_time(world.w3, RESOLUTION + 1)
        transact(world.escrow.functions.expireChallenge(cid), world.outsider)
    assert world.campaign(cid)["revision"] == 1

    assert world.reverts(stale, world.outsider, "CampaignEscrowStaleRevision") == (cid, 0, 1)
    state = world.campaign(cid)
    assert (state["latestEpoch"], state["cumulativeSpent"]) == (3, 1_000), "nothing of the stale commit was kept"
    assert world.escrow.functions.settlementHash(cid, 4).call() == b"\0" * 32
    ahead = world.commit_call(cid, 4, {alice: 1_200}, revision=2)[0]
    assert world.reverts(ahead, world.outsider, "CampaignEscrowStaleRevision") == (cid, 2, 1)

    commit = world.commit(cid, 4, {alice: 1_800, bob: 400})  # re-signed at revision 1: corrected figures land
    assert commit.record.revision == 1
    increase_time(world.w3, WINDOW)
    world.mature(cid, 4)
    world.payout(cid, 4, bob)
    assert world.escrow.functions.settledOf(cid, bob).call() == 400


def test_rejected_forfeits_the_bond_and_restarts_windows(world):
    cid = setup_three_roots(world)
    world.challenge(cid, 3)
    treasury = world.escrow.functions.treasury().call()
    before = world.balance(treasury)
    increase_time(world.w3, WINDOW // 2)
    receipt = transact(world.escrow.functions.resolveChallenge(cid, False), world.auditor)
    resolved_at = world.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    (event,) = world.events(receipt, "ChallengeResolved")
    assert (event.args.outcome, event.args.revision, event.args.cumulativeSpent) == (REJECTED, 0, 3_900)
    assert world.balance(treasury) - before == BOND
    assert world.campaign(cid)["resumedAt"] == resolved_at

    increase_time(world.w3, WINDOW // 2 + 60)  # epoch 2's own window is over, the restarted one is not
    args = world.reverts(world.escrow.functions.matureSettlement(cid, 2, world.commits[cid][2].record.as_tuple()),
                         world.outsider, "CampaignEscrowChallengeWindowOpen")
    assert args == (cid, 2, resolved_at + WINDOW)
    world.challenge(cid, 2, challenger=world.publishers[1])  # still inside the restarted window
    transact(world.escrow.functions.resolveChallenge(cid, False), world.auditor)
    increase_time(world.w3, WINDOW)
    world.mature(cid, 3)
    world.payout(cid, 3, world.publishers[0])


def test_resolution_deadline_and_expiry(world):
    cid = setup_three_roots(world)
    world.challenge(cid, 2)
    deadline = world.escrow.functions.openChallenge(cid).call()[2]
    expire = world.escrow.functions.expireChallenge(cid)
    assert world.reverts(expire, world.outsider, "CampaignEscrowResolutionDeadlineNotReached") == (cid, deadline)
    increase_time(world.w3, RESOLUTION + 1)
    assert world.reverts(world.escrow.functions.resolveChallenge(cid, False), world.auditor,
                         "CampaignEscrowResolutionDeadlinePassed") == (cid, deadline)
    before = world.balance(world.advertiser)
    receipt = transact(expire, world.outsider)
    (event,) = world.events(receipt, "ChallengeResolved")
    assert (event.args.outcome, event.args.revision, event.args.resolver) == (EXPIRED, 1, world.outsider)
    assert world.balance(world.advertiser) - before == BOND
    assert world.campaign(cid)["cumulativeSpent"] == 1_000
    for call, sender in ((expire, world.outsider), (world.escrow.functions.resolveChallenge(cid, True), world.auditor)):
        assert world.reverts(call, sender, "CampaignEscrowNoChallenge") == (cid,)


def test_a_suspended_auditor_cannot_resolve(world):
    cid = setup_three_roots(world)
    world.challenge(cid, 2)
    transact(world.registry.functions.suspend(world.auditor), world.admin)
    args = world.reverts(world.escrow.functions.resolveChallenge(cid, True), world.auditor,
                         "CampaignEscrowInactiveParticipant")
    assert args == (world.auditor, Role.AUDITOR)


def test_zero_bond_moves_no_tokens(world):
    transact(world.escrow.functions.setTokenConfig(world.token.address, True, 250, 0), world.admin)
    cid = world.funded_campaign()
    world.commit(cid, 1, {world.publishers[0]: 1_000})
    before = world.balance(world.advertiser)
    world.challenge(cid, 1)
    transact(world.escrow.functions.resolveChallenge(cid, False), world.auditor)
    assert world.balance(world.advertiser) == before


def test_a_discarded_root_cannot_be_challenged_and_the_bond_must_be_approved(world):
    cid = setup_three_roots(world)
    world.challenge(cid, 3)
    transact(world.escrow.functions.resolveChallenge(cid, True), world.auditor)
    args = world.reverts(world.challenge_call(cid, 2, world.advertiser), world.advertiser,
                         "CampaignEscrowDiscardedSettlement")
    assert args == (cid, 2, 0)
    world.commit(cid, 4, {world.publishers[0]: 2_000})
    transact(world.token.functions.approve(world.escrow.address, 0), world.advertiser)
    with pytest.raises(ContractCustomError) as excinfo:
        world.challenge_call(cid, 4, world.advertiser).transact({"from": world.advertiser})
    assert custom_error(world.token, excinfo.value) == "ERC20InsufficientAllowance"
