"""Compensation cannot be drained: at most once per subject and period, never past the offer's cap."""

import pytest
from web3.exceptions import ContractCustomError

from backend import consent as cm
from backend.consent.client import ApiCallFailed
from tests.consent.conftest import COMPENSATION
from tests.consent.test_signatures import consent_for
from tests.factories import DAY, custom_error, increase_time


def rewards(world, subject: str) -> int:
    return world.consents.functions.rewardsOf(subject, world.token.address).call()


def offer_state(world, offer_id: int) -> dict:
    return world.client.get(f"/v1/offers/{offer_id}").json()


def refused(call) -> str:
    with pytest.raises(ApiCallFailed) as failure:
        call()
    return failure.value.response.json()["error"]["code"]


def test_repeated_and_excess_grants_pay_nothing(world):
    acme, address = world.advertiser()
    offer = world.publish_offer(acme, cap=2, period_seconds=30 * DAY)
    alice, bob, carol = world.consumer("alice"), world.consumer("bob"), world.consumer("carol")
    expiry = world.chain_now() + 60 * DAY

    first = alice.grant(offer, expiry)["consent_id"]
    world.settle()
    alice_key = alice.pairwise(address).address
    assert rewards(world, alice_key) == COMPENSATION
    alice.withdraw(first, address)
    alice.grant(offer, expiry)
    alice.grant(offer, expiry)
    world.settle()
    assert rewards(world, alice_key) == COMPENSATION, "withdrawing and granting again in a period pays nothing"
    state = offer_state(world, offer["offer_id"])
    assert (state["grants"], state["grants_paid"]) == (3, 1)

    bob.grant(offer, expiry)
    world.settle()
    assert offer_state(world, offer["offer_id"])["budget_left"] == "0"
    assert refused(lambda: carol.grant(offer, expiry)) == "offer_exhausted"

    carol_key = carol.pairwise(address)
    consent = consent_for(world, carol_key, offer)
    signature = cm.sign(consent, carol_key.key, world.w3.eth.chain_id, world.consents.address)
    with pytest.raises(ContractCustomError) as direct:
        world.consents.functions.grant(consent.values(), signature).transact({"from": world.admin})
    assert custom_error(world.consents, direct.value) == "ConsentRegistryOfferExhausted", "the chain refuses too"

    alice.grant(offer, expiry)
    world.settle()
    assert rewards(world, alice_key) == COMPENSATION, "a subject already paid this period may grant at the cap"

    increase_time(world.w3, 30 * DAY)
    world.sync_clock()
    assert refused(lambda: alice.grant(offer, expiry)) == "subject_session_expired"
    alice.sign_in()
    assert refused(lambda: alice.grant(offer, expiry)) == "offer_exhausted", "the cap spans every period"
    paid = rewards(world, alice_key) + rewards(world, bob.pairwise(address).address)
    assert paid == 2 * COMPENSATION == world.token.functions.balanceOf(world.consents.address).call()


def test_a_new_period_pays_again_and_rewards_sweep_to_any_address(world):
    acme, address = world.advertiser()
    offer = world.publish_offer(acme, cap=5, period_seconds=DAY)
    alice = world.consumer("alice")
    expiry = world.chain_now() + 30 * DAY
    alice.grant(offer, expiry)
    alice.grant(offer, expiry)
    world.settle()
    key = alice.pairwise(address).address
    assert rewards(world, key) == COMPENSATION

    increase_time(world.w3, DAY)
    world.sync_clock()
    alice.sign_in()
    alice.grant(offer, expiry)
    world.settle()
    assert rewards(world, key) == 2 * COMPENSATION
    assert offer_state(world, offer["offer_id"])["grants_paid"] == 2

    fresh = "0x" + "5e" * 20
    swept = alice.sweep(address, world.token.address, fresh, nonce=0)
    assert swept["amount"] == str(2 * COMPENSATION)
    world.settle()
    assert world.token.functions.balanceOf(world.w3.to_checksum_address(fresh)).call() == 2 * COMPENSATION
    assert rewards(world, key) == 0
    assert refused(lambda: alice.sweep(address, world.token.address, fresh, nonce=1)) == "nothing_to_sweep"
    assert alice.export()["rewards"][0]["next_sweep_nonce"] == 1
