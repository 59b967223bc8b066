"""CampaignEscrow administration: defaults, token allowlist and fees, parameters, treasury, global pause."""

from __future__ import annotations

import pytest
from eth_utils import keccak
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from contracts import load_artifact
from tests.contracts.escrow_world import (  # noqa: F401  (fixtures)
    BOND,
    CLAIM,
    GRACE,
    RESOLUTION,
    WINDOW,
    ZERO,
    escrow_base,
    world,
)
from tests.factories import DAY, custom_error, increase_time, transact

# custom_error() names errors with flat arguments only; this one carries the EscrowParams tuple.
INVALID_PARAMS_SELECTOR = "0x" + keccak(text="CampaignEscrowInvalidParams((uint32,uint32,uint32,uint32,uint32))")[:4].hex()


def test_constructor_sets_and_announces_defaults(world):
    artifact = load_artifact("CampaignEscrow")
    factory = world.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    with pytest.raises(ContractCustomError) as excinfo:
        factory.constructor(ZERO).transact({"from": world.admin})
    assert custom_error(world.escrow, excinfo.value) == "CampaignEscrowZeroAddress"

    receipt = world.w3.eth.wait_for_transaction_receipt(
        factory.constructor(world.registry.address).transact({"from": world.publishers[0]})
    )
    escrow = world.w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)
    assert escrow.functions.registry().call() == world.registry.address
    assert escrow.functions.treasury().call() == world.publishers[0]
    assert escrow.functions.paused().call() is False
    assert escrow.functions.params().call() == (GRACE, RESOLUTION, CLAIM, 3_600, 30 * DAY)
    (treasury,) = escrow.events.TreasuryChanged().process_receipt(receipt, errors=DISCARD)
    (params,) = escrow.events.ParamsChanged().process_receipt(receipt, errors=DISCARD)
    assert treasury.args.treasury == world.publishers[0]
    assert (params.args.settlementGrace, params.args.claimPeriod) == (GRACE, CLAIM)


def test_set_token_config(world):
    token = world.token.address
    set_config = world.escrow.functions.setTokenConfig
    assert world.reverts(set_config(token, True, 100, 1), world.advertiser, "CampaignEscrowUnauthorized") == (
        world.advertiser,)
    assert world.reverts(set_config(token, True, 1_001, 1), world.admin, "CampaignEscrowFeeTooHigh") == (1_001, 1_000)
    world.reverts(set_config(ZERO, True, 100, 1), world.admin, "CampaignEscrowZeroAddress")
    receipt = transact(set_config(token, True, 1_000, 7), world.admin)
    (event,) = world.events(receipt, "TokenConfigured")
    assert (event.args.token, event.args.allowed, event.args.feeBps, event.args.challengeBond) == (token, True, 1_000, 7)
    assert world.escrow.functions.tokenConfig(token).call() == (True, 1_000, 7)


def test_set_params(world):
    set_params = world.escrow.functions.setParams
    good = (2 * DAY, DAY, 10 * DAY, 600, 7 * DAY)
    world.reverts(set_params(good), world.advertiser, "CampaignEscrowUnauthorized")
    for bad in ((GRACE, 0, CLAIM, 600, DAY), (GRACE, DAY, CLAIM, 0, DAY), (GRACE, DAY, CLAIM, 2 * DAY, DAY)):
        with pytest.raises(ContractCustomError) as excinfo:
            set_params(bad).transact({"from": world.admin})
        assert excinfo.value.data[:10] == INVALID_PARAMS_SELECTOR
    receipt = transact(set_params(good), world.admin)
    (event,) = world.events(receipt, "ParamsChanged")
    assert tuple(event.args.values()) == good
    assert world.escrow.functions.params().call() == good
    cid = world.create(window=600)  # the new minimum window
    assert world.campaign(cid)["settlementGrace"] == 2 * DAY


def test_set_treasury(world):
    set_treasury = world.escrow.functions.setTreasury
    world.reverts(set_treasury(world.outsider), world.outsider, "CampaignEscrowUnauthorized")
    world.reverts(set_treasury(ZERO), world.admin, "CampaignEscrowZeroAddress")
    receipt = transact(set_treasury(world.outsider), world.admin)
    assert world.events(receipt, "TreasuryChanged")[0].args.treasury == world.outsider
    assert world.escrow.functions.treasury().call() == world.outsider


def test_global_pause_stops_money_and_settlement_but_not_advertiser_protection(world):
    alice = world.publishers[0]
    cid = world.funded_campaign()
    commit = world.commit(cid, 1, {alice: 1_000})
    world.commit(cid, 2, {alice: 2_000})
    increase_time(world.w3, WINDOW)
    world.mature(cid, 1)
    escrow = world.escrow.functions
    world.reverts(escrow.pause(), world.advertiser, "CampaignEscrowUnauthorized")
    world.reverts(escrow.unpause(), world.admin, "CampaignEscrowNotPaused")
    receipt = transact(escrow.pause(), world.admin)
    assert world.events(receipt, "Paused")[0].args.account == world.admin
    assert escrow.paused().call() is True
    world.reverts(escrow.pause(), world.admin, "CampaignEscrowPaused")

    commit_call, _, _ = world.commit_call(cid, 3, {alice: 3_000})
    blocked = [
        (world.escrow.functions.createCampaign(world.token.address, b"\0" * 32, world.attesters[:1], 1, ZERO,
                                               WINDOW, 2**40 - 1), world.advertiser),
        (escrow.fund(cid, 1), world.advertiser),
        (commit_call, world.outsider),
        (escrow.matureSettlement(cid, 2, world.commits[cid][2].record.as_tuple()), world.outsider),
        (world.payout_call(cid, 1, alice), world.outsider),
        (world.challenge_call(cid, 2, world.advertiser), world.advertiser),
        (escrow.refund(cid), world.advertiser),
        (escrow.withdrawFees(world.token.address, [cid]), world.admin),
    ]
    for call, sender in blocked:
        world.reverts(call, sender, "CampaignEscrowPaused")
    transact(escrow.pauseCampaign(cid), world.advertiser)
    transact(escrow.endCampaign(cid), world.advertiser)

    receipt = transact(escrow.unpause(), world.admin)
    assert world.events(receipt, "Unpaused")[0].args.account == world.admin
    world.payout(cid, 1, alice)
    assert world.escrow.functions.settledOf(cid, alice).call() == commit.earnings[alice]


def test_challenge_resolution_is_paused_too(world):
    cid = world.funded_campaign()
    world.commit(cid, 1, {world.publishers[0]: 1_000})
    world.challenge(cid, 1)
    transact(world.escrow.functions.pause(), world.admin)
    world.reverts(world.escrow.functions.resolveChallenge(cid, True), world.auditor, "CampaignEscrowPaused")
    increase_time(world.w3, RESOLUTION + 1)
    world.reverts(world.escrow.functions.expireChallenge(cid), world.outsider, "CampaignEscrowPaused")
    assert world.escrow.functions.openChallenge(cid).call()[3] == BOND
