"""CampaignEscrow.commitSettlement: monotonic, deposit-bounded, attested by EIP-712 signatures."""

from __future__ import annotations

from backend.settlement.encoding.attestation import SettlementAttestation, digest, sign
from tests.contracts.escrow_world import BUDGET, GRACE, escrow_base, world  # noqa: F401  (fixtures)
from tests.factories import DAY, Role, increase_time, onboard, transact


def test_commit_stores_the_record_hash_and_emits_the_roots(world):
    cid = world.funded_campaign()
    alice, bob = world.publishers[:2]
    call, attestation, _ = world.commit_call(cid, 7, {alice: 300, bob: 200})
    receipt = transact(call, world.outsider)
    (event,) = world.events(receipt, "SettlementCommitted")
    assert event.args.campaignId == cid and event.args.epoch == 7
    assert (event.args.eventsRoot, event.args.balanceRoot) == (attestation.events_root, attestation.balance_root)
    assert (event.args.cumulativeSpent, event.args.eventCount) == (500, 2)

    commit = world.commit(cid, 8, {alice: 400, bob: 300})
    assert world.escrow.functions.settlementHash(cid, 8).call() == commit.record.hash()
    state = world.campaign(cid)
    assert (state["latestEpoch"], state["cumulativeSpent"], state["deposited"]) == (8, 700, BUDGET)


def test_attestation_digest_matches_the_python_encoder(world):
    cid = world.create()
    attestation = SettlementAttestation(cid, 3, b"\x01" * 32, b"\x02" * 32, 12_345, 9, 4)
    on_chain = world.escrow.functions.attestationDigest(*attestation.values()).call()
    assert on_chain == digest(attestation, world.w3.eth.chain_id, world.escrow.address)


def test_unknown_campaign(world):
    call, _, _ = world.commit_call(99, 1, {world.publishers[0]: 1})
    assert world.reverts(call, world.outsider, "CampaignEscrowUnknownCampaign") == (99,)


def test_unfunded_and_over_deposit(world):
    cid = world.create()
    call, _, _ = world.commit_call(cid, 1, {world.publishers[0]: 1})
    assert world.reverts(call, world.outsider, "CampaignEscrowOverDeposit") == (cid, 1, 0)
    world.fund(cid, 1_000)
    call, _, _ = world.commit_call(cid, 1, {world.publishers[0]: 1_001})
    assert world.reverts(call, world.outsider, "CampaignEscrowOverDeposit") == (cid, 1_001, 1_000)
    world.commit(cid, 1, {world.publishers[0]: 1_000})  # exactly the deposit


def test_spend_never_decreases(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    world.commit(cid, 1, {alice: 1_000})
    world.commit(cid, 2, {alice: 1_000})  # unchanged spend is fine
    call, _, _ = world.commit_call(cid, 3, {alice: 999})
    assert world.reverts(call, world.outsider, "CampaignEscrowSpendDecreased") == (cid, 999, 1_000)


def test_duplicate_and_older_epochs_revert(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    world.commit(cid, 5, {alice: 100})
    for epoch in (5, 4):
        call, _, _ = world.commit_call(cid, epoch, {alice: 200})
        assert world.reverts(call, world.outsider, "CampaignEscrowEpochNotIncreasing") == (cid, epoch, 5)


def test_resubmitting_a_commit_is_a_duplicate_epoch(world):
    cid = world.funded_campaign()
    call, _, _ = world.commit_call(cid, 1, {world.publishers[0]: 100})
    transact(call, world.outsider)
    world.reverts(call, world.outsider, "CampaignEscrowEpochNotIncreasing")


def test_commits_accepted_until_end_time_plus_grace(world):
    cid = world.funded_campaign(duration=DAY)
    alice = world.publishers[0]
    increase_time(world.w3, DAY + GRACE - 60)
    world.commit(cid, 1, {alice: 100})  # a late conversion inside the grace
    increase_time(world.w3, 120)
    call, _, _ = world.commit_call(cid, 2, {alice: 200})
    end = world.campaign(cid)["endTime"]
    assert world.reverts(call, world.outsider, "CampaignEscrowSettlementClosed") == (cid, end + GRACE)


def test_paused_campaign_takes_no_commit_until_unpaused_or_ended(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    transact(world.escrow.functions.pauseCampaign(cid), world.advertiser)
    call, _, _ = world.commit_call(cid, 1, {alice: 100})
    assert world.reverts(call, world.outsider, "CampaignEscrowCampaignPaused") == (cid,)
    transact(world.escrow.functions.unpauseCampaign(cid), world.advertiser)
    world.commit(cid, 1, {alice: 100})
    transact(world.escrow.functions.pauseCampaign(cid), world.advertiser)
    transact(world.escrow.functions.endCampaign(cid), world.advertiser)
    increase_time(world.w3, 1)
    world.commit(cid, 2, {alice: 200})  # delivered traffic still settles during the grace


def test_malformed_signatures(world):
    cid = world.funded_campaign()
    call, attestation, _ = world.commit_call(cid, 1, {world.publishers[0]: 100})
    good = world.signatures(attestation, world.attesters[:1])[0]
    commit = world.escrow.functions.commitSettlement
    short = commit(*attestation.commit_args([good[:64]]))
    assert world.reverts(short, world.outsider, "CampaignEscrowInvalidSignature") == (cid, 0)
    bad_v = commit(*attestation.commit_args([good[:64] + bytes([99])]))
    assert world.reverts(bad_v, world.outsider, "CampaignEscrowInvalidSignature") == (cid, 0)
    none = commit(*attestation.commit_args([]))
    assert world.reverts(none, world.outsider, "CampaignEscrowThresholdNotMet") == (cid, 0, 1)


def test_signatures_for_another_chain_contract_or_epoch_are_refused(world):
    cid = world.funded_campaign()
    alice = world.publishers[0]
    attester = world.attesters[0]
    key = world.private_keys[attester]
    _, attestation, _ = world.commit_call(cid, 1, {alice: 100})
    commit = world.escrow.functions.commitSettlement
    chain_id = world.w3.eth.chain_id
    other_contract = world.registry.address
    for signature in (sign(attestation, key, chain_id + 1, world.escrow.address),
                      sign(attestation, key, chain_id, other_contract)):
        args = world.reverts(commit(*attestation.commit_args([signature])), world.outsider,
                             "CampaignEscrowUnknownSigner")
        assert args[0] == cid and args[1] != attester
    first = sign(attestation, key, chain_id, world.escrow.address)
    transact(commit(*attestation.commit_args([first])), world.outsider)
    _, next_attestation, _ = world.commit_call(cid, 2, {alice: 200})
    replayed = commit(*next_attestation.commit_args([first]))
    world.reverts(replayed, world.outsider, "CampaignEscrowUnknownSigner")


def test_signer_must_be_a_named_active_attester(world):
    cid = world.funded_campaign(attesters=world.attesters[:2], threshold=1)
    alice = world.publishers[0]
    stranger = world.attesters[2]  # an attester, but not named by this campaign
    call, _, _ = world.commit_call(cid, 1, {alice: 100}, signers=[stranger])
    assert world.reverts(call, world.outsider, "CampaignEscrowUnknownSigner") == (cid, stranger)
    named = world.attesters[0]
    transact(world.registry.functions.suspend(named), world.admin)
    call, _, _ = world.commit_call(cid, 1, {alice: 100}, signers=[named])
    assert world.reverts(call, world.outsider, "CampaignEscrowInactiveParticipant") == (named, Role.ATTESTER)
    transact(world.registry.functions.unsuspend(named), world.admin)
    world.commit(cid, 1, {alice: 100}, signers=[named])


def test_attester_with_expired_kyc_cannot_attest(world):
    attester = world.attesters[1]
    onboard(world.registry, attester, Role.ATTESTER, kyc_days=2)
    cid = world.funded_campaign(attesters=[attester])
    increase_time(world.w3, 3 * DAY)
    call, _, _ = world.commit_call(cid, 1, {world.publishers[0]: 100}, signers=[attester])
    assert world.reverts(call, world.outsider, "CampaignEscrowInactiveParticipant") == (attester, Role.ATTESTER)


def test_threshold_counts_distinct_attesters_in_ascending_order(world):
    cid = world.funded_campaign(attesters=world.attesters, threshold=2)
    alice = world.publishers[0]
    low, high = world.attesters[0], world.attesters[2]
    call, attestation, _ = world.commit_call(cid, 1, {alice: 100}, signers=[low])
    assert world.reverts(call, world.outsider, "CampaignEscrowThresholdNotMet") == (cid, 1, 2)
    [sig_low] = world.signatures(attestation, [low])
    [sig_high] = world.signatures(attestation, [high])
    commit = world.escrow.functions.commitSettlement
    duplicate = commit(*attestation.commit_args([sig_low, sig_low]))
    assert world.reverts(duplicate, world.outsider, "CampaignEscrowSignersNotAscending") == (cid, low)
    descending = commit(*attestation.commit_args([sig_high, sig_low]))
    assert world.reverts(descending, world.outsider, "CampaignEscrowSignersNotAscending") == (cid, low)
    transact(commit(*attestation.commit_args([sig_low, sig_high])), world.outsider)


def test_independent_verifier_must_co_sign(world):
    cid = world.funded_campaign(verifier=world.verifier)
    alice = world.publishers[0]
    call, _, _ = world.commit_call(cid, 1, {alice: 100}, signers=world.attesters[:1])
    assert world.reverts(call, world.outsider, "CampaignEscrowVerifierMissing") == (cid, world.verifier)
    call, _, _ = world.commit_call(cid, 1, {alice: 100}, signers=[world.verifier])
    assert world.reverts(call, world.outsider, "CampaignEscrowThresholdNotMet") == (cid, 0, 1)
    world.commit(cid, 1, {alice: 100}, signers=[world.attesters[0], world.verifier])
