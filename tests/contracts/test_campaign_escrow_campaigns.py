"""CampaignEscrow campaigns: creation with snapshots, funding (transferFrom, permit), pause and end."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from tests.contracts.escrow_world import (  # noqa: F401  (fixtures)
    BOND,
    FEE_BPS,
    GRACE,
    WINDOW,
    ZERO,
    escrow_base,
    world,
)
from tests.factories import DAY, TOKEN_UNIT, Role, custom_error, deploy, increase_time, now, onboard, transact


def create_call(world, **overrides):
    args = {
        "token": world.token.address,
        "termsHash": keccak(text="terms"),
        "attesters": world.attesters[:1],
        "threshold": 1,
        "verifier": ZERO,
        "challengeWindow": WINDOW,
        "endTime": now(world.w3) + 30 * DAY,
    }
    args.update(overrides)
    return world.escrow.functions.createCampaign(*args.values())


def test_create_snapshots_fee_bond_and_grace_and_numbers_campaigns(world):
    end = now(world.w3) + 30 * DAY
    receipt = transact(create_call(world, attesters=world.attesters, threshold=2, verifier=world.verifier,
                                   endTime=end), world.advertiser)
    (event,) = world.events(receipt, "CampaignCreated")
    args = event.args
    assert (args.campaignId, args.advertiser, args.token) == (1, world.advertiser, world.token.address)
    assert (args.attesters, args.threshold, args.verifier) == (world.attesters, 2, world.verifier)
    assert (args.challengeWindow, args.endTime, args.settlementGrace) == (WINDOW, end, GRACE)
    assert (args.feeBps, args.challengeBond, args.termsHash) == (FEE_BPS, BOND, keccak(text="terms"))
    assert world.create() == 2
    assert world.escrow.functions.campaignCount().call() == 2
    assert world.escrow.functions.isCampaignAttester(1, world.attesters[1]).call() is True
    assert world.escrow.functions.isCampaignAttester(2, world.attesters[1]).call() is False

    transact(world.escrow.functions.setTokenConfig(world.token.address, True, 1_000, 1), world.admin)
    state = world.campaign(1)
    assert (state["feeBps"], state["challengeBond"], state["settlementGrace"]) == (FEE_BPS, BOND, GRACE)
    assert world.campaign(world.create())["feeBps"] == 1_000


@pytest.mark.parametrize("how", ["no role", "suspended", "kyc expired"])
def test_only_an_active_advertiser_creates(world, how):
    if how == "no role":
        sender = world.publishers[0]
    elif how == "suspended":
        sender = world.advertiser
        transact(world.registry.functions.suspend(sender), world.admin)
    else:
        sender = world.advertiser
        onboard(world.registry, sender, Role.ADVERTISER, kyc_days=1)
        increase_time(world.w3, 2 * DAY)
    call = create_call(world, endTime=now(world.w3) + 30 * DAY)
    assert world.reverts(call, sender, "CampaignEscrowInactiveParticipant") == (sender, Role.ADVERTISER)


def test_create_validates_token_window_end_and_attesters(world):
    adv = world.advertiser
    a, b, c = world.attesters
    assert world.reverts(create_call(world, token=world.outsider), adv, "CampaignEscrowTokenNotAllowed") == (
        world.outsider,)
    assert world.reverts(create_call(world, challengeWindow=60), adv, "CampaignEscrowInvalidChallengeWindow") == (
        60, 3_600, 30 * DAY)
    assert world.reverts(create_call(world, challengeWindow=31 * DAY), adv,
                         "CampaignEscrowInvalidChallengeWindow")[0] == 31 * DAY
    past = now(world.w3)
    assert world.reverts(create_call(world, endTime=past), adv, "CampaignEscrowInvalidEndTime")[0] == past
    assert world.reverts(create_call(world, endTime=2**40), adv, "CampaignEscrowInvalidEndTime")[0] == 2**40
    assert world.reverts(create_call(world, attesters=[]), adv, "CampaignEscrowInvalidAttesters") == (0, 16)
    many = [Account.create().address for _ in range(17)]
    assert world.reverts(create_call(world, attesters=many), adv, "CampaignEscrowInvalidAttesters") == (17, 16)
    assert world.reverts(create_call(world, threshold=0), adv, "CampaignEscrowInvalidThreshold") == (0, 1)
    assert world.reverts(create_call(world, attesters=[a, b], threshold=3), adv,
                         "CampaignEscrowInvalidThreshold") == (3, 2)
    assert world.reverts(create_call(world, attesters=[a, b, a]), adv, "CampaignEscrowDuplicateAttester") == (a,)
    world.reverts(create_call(world, attesters=[a, ZERO]), adv, "CampaignEscrowZeroAddress")
    assert world.reverts(create_call(world, attesters=[a, c], verifier=c), adv,
                         "CampaignEscrowDuplicateAttester") == (c,)
    stranger = world.outsider
    assert world.reverts(create_call(world, attesters=[a, stranger]), adv,
                         "CampaignEscrowInactiveParticipant") == (stranger, Role.ATTESTER)
    assert world.reverts(create_call(world, verifier=stranger), adv,
                         "CampaignEscrowInactiveParticipant") == (stranger, Role.ATTESTER)


def test_fund_and_top_up(world):
    cid = world.create()
    before = world.balance(world.advertiser)
    receipt = world.fund(cid, 1_000 * TOKEN_UNIT)
    (event,) = world.events(receipt, "CampaignFunded")
    assert (event.args.amount, event.args.deposited, event.args["from"]) == (
        1_000 * TOKEN_UNIT, 1_000 * TOKEN_UNIT, world.advertiser)
    receipt = world.fund(cid, 500 * TOKEN_UNIT)
    (event,) = world.events(receipt, "CampaignFunded")
    assert event.args.deposited == 1_500 * TOKEN_UNIT
    assert before - world.balance(world.advertiser) == 1_500 * TOKEN_UNIT
    assert world.balance(world.escrow.address) == 1_500 * TOKEN_UNIT
    assert world.campaign(cid)["deposited"] == 1_500 * TOKEN_UNIT


def test_fund_failures(world):
    cid = world.create()
    fund = world.escrow.functions.fund
    assert world.reverts(fund(cid, 1), world.outsider, "CampaignEscrowNotAdvertiser") == (cid, world.outsider)
    assert world.reverts(fund(cid + 1, 1), world.advertiser, "CampaignEscrowUnknownCampaign") == (cid + 1,)
    assert world.reverts(fund(cid, 0), world.advertiser, "CampaignEscrowZeroAmount") == ()
    with pytest.raises(ContractCustomError) as excinfo:  # no allowance: the token's own error surfaces
        fund(cid, 1).transact({"from": world.advertiser})
    assert custom_error(world.token, excinfo.value) == "ERC20InsufficientAllowance"
    transact(world.registry.functions.suspend(world.advertiser), world.admin)
    assert world.reverts(fund(cid, 1), world.advertiser, "CampaignEscrowInactiveParticipant") == (
        world.advertiser, Role.ADVERTISER)


def test_a_token_taken_off_the_allowlist_takes_no_more_funding(world):
    cid = world.create()
    transact(world.escrow.functions.setTokenConfig(world.token.address, False, FEE_BPS, BOND), world.admin)
    assert world.reverts(world.escrow.functions.fund(cid, 1), world.advertiser,
                         "CampaignEscrowTokenNotAllowed") == (world.token.address,)


def test_fee_on_transfer_token_is_refused(world):
    skimming = deploy(world.w3, "SkimmingTestToken")
    transact(world.escrow.functions.setTokenConfig(skimming.address, True, FEE_BPS, BOND), world.admin)
    cid = world.create(token=skimming)
    transact(skimming.functions.mint(world.advertiser, 10_000), world.advertiser)
    transact(skimming.functions.approve(world.escrow.address, 10_000), world.advertiser)
    args = world.reverts(world.escrow.functions.fund(cid, 10_000), world.advertiser,
                         "CampaignEscrowTransferShortfall")
    assert args == (skimming.address, 10_000, 9_900)
    assert skimming.functions.balanceOf(world.escrow.address).call() == 0


def permit_signature(world, owner: str, value: int, deadline: int) -> tuple[int, bytes, bytes]:
    token = world.token
    message = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {"name": token.functions.name().call(), "version": "1", "chainId": world.w3.eth.chain_id,
                   "verifyingContract": token.address},
        "message": {"owner": owner, "spender": world.escrow.address, "value": value,
                    "nonce": token.functions.nonces(owner).call(), "deadline": deadline},
    }
    signed = Account.sign_typed_data(world.private_keys[owner], full_message=message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_fund_with_permit(world):
    cid = world.create()
    deadline = now(world.w3) + 3_600
    v, r, s = permit_signature(world, world.advertiser, 700, deadline)
    transact(world.escrow.functions.fundWithPermit(cid, 700, deadline, v, r, s), world.advertiser)
    assert world.campaign(cid)["deposited"] == 700
    assert world.token.functions.allowance(world.advertiser, world.escrow.address).call() == 0


def test_a_front_run_permit_still_funds(world):
    cid = world.create()
    deadline = now(world.w3) + 3_600
    v, r, s = permit_signature(world, world.advertiser, 700, deadline)
    front_run = world.token.functions.permit(world.advertiser, world.escrow.address, 700, deadline, v, r, s)
    transact(front_run, world.outsider)  # someone copied the permit from the mempool
    transact(world.escrow.functions.fundWithPermit(cid, 700, deadline, v, r, s), world.advertiser)
    assert world.campaign(cid)["deposited"] == 700


def test_a_failed_permit_without_allowance_reverts(world):
    cid = world.create()
    deadline = now(world.w3) + 3_600
    v, r, s = permit_signature(world, world.publishers[0], 700, deadline)  # signed by someone else
    call = world.escrow.functions.fundWithPermit(cid, 700, deadline, v, r, s)
    args = world.reverts(call, world.advertiser, "CampaignEscrowInsufficientAllowance")
    assert args == (world.token.address, world.advertiser, 0, 700)


def test_pause_unpause_and_end(world):
    cid = world.create()
    escrow = world.escrow.functions
    adv = world.advertiser
    assert world.reverts(escrow.pauseCampaign(cid), world.outsider, "CampaignEscrowNotAdvertiser") == (
        cid, world.outsider)
    assert world.reverts(escrow.unpauseCampaign(cid), adv, "CampaignEscrowCampaignNotPaused") == (cid,)
    receipt = transact(escrow.pauseCampaign(cid), adv)
    assert world.events(receipt, "CampaignPaused")[0].args.campaignId == cid
    assert world.campaign(cid)["paused"] is True
    assert world.reverts(escrow.pauseCampaign(cid), adv, "CampaignEscrowCampaignPaused") == (cid,)
    receipt = transact(escrow.unpauseCampaign(cid), adv)
    assert world.events(receipt, "CampaignUnpaused")[0].args.campaignId == cid
    assert world.reverts(escrow.endCampaign(cid), world.outsider, "CampaignEscrowNotAdvertiser")[0] == cid
    receipt = transact(escrow.endCampaign(cid), adv)
    (event,) = world.events(receipt, "CampaignEnded")
    ended = world.w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert event.args.endTime == ended == world.campaign(cid)["endTime"]
    increase_time(world.w3, 1)
    for call in (escrow.endCampaign(cid), escrow.pauseCampaign(cid), escrow.unpauseCampaign(cid)):
        assert world.reverts(call, adv, "CampaignEscrowAlreadyEnded") == (cid, ended)


def test_suspended_advertiser_cannot_pause_or_end(world):
    cid = world.create()
    transact(world.registry.functions.suspend(world.advertiser), world.admin)
    for call in (world.escrow.functions.pauseCampaign(cid), world.escrow.functions.endCampaign(cid)):
        world.reverts(call, world.advertiser, "CampaignEscrowInactiveParticipant")


def test_deposits_are_bounded_to_96_bits(world):
    cid = world.create()
    huge = 2**96
    transact(world.token.functions.mint(world.advertiser, huge), world.admin)
    transact(world.token.functions.approve(world.escrow.address, huge), world.advertiser)
    args = world.reverts(world.escrow.functions.fund(cid, huge), world.advertiser, "CampaignEscrowDepositOverflow")
    assert args == (cid, huge)
    transact(world.escrow.functions.fund(cid, huge - 1), world.advertiser)
    assert world.campaign(cid)["deposited"] == huge - 1
