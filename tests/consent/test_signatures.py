"""Refused signatures: replayed, wrong chain, wrong contract, expired, forged; for grants, withdrawals, sweeps."""

from dataclasses import replace

import pytest
from eth_account import Account
from sqlmodel import Session, select
from web3.exceptions import ContractCustomError

from backend import consent as cm
from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from tests.consent.conftest import PROFILE
from tests.factories import DAY, custom_error

OTHER_REGISTRY = "0x00000000000000000000000000000000000C0DE5"


def consent_for(world, key, offer, **changes) -> cm.Consent:
    now = world.chain_now()
    consent = cm.Consent(
        subject=key.address,
        grantee=offer["advertiser"],
        offer_id=offer["offer_id"],
        purpose=bytes.fromhex(offer["purpose_hash"][2:]),
        data_categories_hash=bytes.fromhex(offer["data_categories_hash"][2:]),
        expiry=now + 30 * DAY,
        compensation=int(offer["compensation"]),
        nonce=cm.new_nonce(),
        deadline=now + 3_600,
    )
    return replace(consent, **changes)


def post(world, consumer, message, signature: bytes, domain: dict | None = None):
    chain_id, registry = world.w3.eth.chain_id, world.consents.address
    body = {"message": cm.typed_data(message, chain_id, registry)["message"], "signature": "0x" + signature.hex()}
    if domain is not None:
        body["domain"] = domain
    return world.client.post("/v1/consents", json=body, headers=consumer.headers)


def code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def relays(world) -> int:
    with Session(engine_for(world.settings.database_url)) as session:
        statement = select(OutboxTransaction).where(OutboxTransaction.kind == "ConsentRegistry.grant")
        return len(session.exec(statement).all())


@pytest.fixture
def setting(world):
    advertiser, address = world.advertiser()
    offer = world.publish_offer(advertiser)
    consumer = world.consumer("bob")
    consumer.share(PROFILE)
    return advertiser, address, offer, consumer


def test_grants_with_bad_signatures_are_refused_and_never_relayed(world, setting):
    _advertiser, address, offer, consumer = setting
    key = consumer.pairwise(address)
    chain_id, registry = world.w3.eth.chain_id, world.consents.address

    consent = consent_for(world, key, offer)
    other_chain = cm.sign(consent, key.key, chain_id + 1, registry)
    assert code(post(world, consumer, consent, other_chain, {"chainId": chain_id + 1})) == (401, "wrong_chain")
    assert code(post(world, consumer, consent, other_chain)) == (401, "invalid_signature")

    other_contract = cm.sign(consent, key.key, chain_id, OTHER_REGISTRY)
    claim = {"chainId": chain_id, "verifyingContract": OTHER_REGISTRY}
    assert code(post(world, consumer, consent, other_contract, claim)) == (401, "wrong_contract")
    assert code(post(world, consumer, consent, other_contract)) == (401, "invalid_signature")

    stale = consent_for(world, key, offer, deadline=world.chain_now() - 1)
    assert code(post(world, consumer, stale, cm.sign(stale, key.key, chain_id, registry))) == (422, "signature_expired")

    forged = cm.sign(consent, Account.create().key, chain_id, registry)
    assert code(post(world, consumer, consent, forged)) == (401, "invalid_signature")
    tampered = replace(consent, expiry=consent.expiry + 365 * DAY)
    signed_before = cm.sign(consent, key.key, chain_id, registry)
    assert code(post(world, consumer, tampered, signed_before)) == (401, "invalid_signature")
    assert code(post(world, consumer, consent, b"\x00" * 65)) == (401, "invalid_signature")

    richer = consent_for(world, key, offer, compensation=int(offer["compensation"]) * 10)
    signed = cm.sign(richer, key.key, chain_id, registry)
    assert code(post(world, consumer, richer, signed)) == (422, "terms_mismatch")
    assert relays(world) == 0

    good = cm.sign(consent, key.key, chain_id, registry)
    assert post(world, consumer, consent, good).status_code == 202
    assert code(post(world, consumer, consent, good)) == (409, "consent_replayed"), "while being relayed"
    world.settle()
    assert code(post(world, consumer, consent, good)) == (409, "consent_replayed"), "once on chain"
    assert relays(world) == 1
    with pytest.raises(ContractCustomError) as replayed:
        world.consents.functions.grant(consent.values(), good).transact({"from": world.admin})
    assert custom_error(world.consents, replayed.value) == "ConsentRegistryConsentExists"


def test_withdrawals_and_sweeps_with_bad_signatures_are_refused(world, setting):
    _advertiser, address, offer, consumer = setting
    consent_id = consumer.grant(offer, expiry=world.chain_now() + 30 * DAY)["consent_id"]
    world.settle()
    key = consumer.pairwise(address)
    chain_id, registry = world.w3.eth.chain_id, world.consents.address
    deadline = world.chain_now() + 600

    def withdraw(message, signature, domain=None):
        body = {"message": cm.typed_data(message, chain_id, registry)["message"], "signature": "0x" + signature.hex()}
        if domain is not None:
            body["domain"] = domain
        return world.client.post(f"/v1/consents/{consent_id}/withdrawal", json=body)

    withdrawal = cm.Withdrawal(key.address, bytes.fromhex(consent_id[2:]), deadline)
    stranger = Account.create()
    by_stranger = cm.sign(withdrawal, stranger.key, chain_id, registry)
    assert code(withdraw(withdrawal, by_stranger)) == (401, "invalid_signature")
    theirs = replace(withdrawal, subject=stranger.address)
    assert code(withdraw(theirs, cm.sign(theirs, stranger.key, chain_id, registry))) == (403, "not_the_subject")
    wrong_chain = cm.sign(withdrawal, key.key, chain_id + 1, registry)
    assert code(withdraw(withdrawal, wrong_chain, {"chainId": chain_id + 1})) == (401, "wrong_chain")
    elsewhere = cm.sign(withdrawal, key.key, chain_id, OTHER_REGISTRY)
    assert code(withdraw(withdrawal, elsewhere)) == (401, "invalid_signature")
    late = replace(withdrawal, deadline=world.chain_now() - 1)
    assert code(withdraw(late, cm.sign(late, key.key, chain_id, registry))) == (422, "signature_expired")
    assert world.read(setting[0], key.address).status_code == 200, "none of those withdrew anything"

    good = cm.sign(withdrawal, key.key, chain_id, registry)
    assert withdraw(withdrawal, good).status_code == 202
    assert code(withdraw(withdrawal, good)) == (409, "consent_already_withdrawn")
    world.settle()
    assert code(withdraw(withdrawal, good)) == (409, "consent_already_withdrawn")

    recipient = Account.create().address
    sweep = cm.Sweep(key.address, world.token.address, recipient, 0, deadline)

    def post_sweep(message, signature):
        body = {"message": cm.typed_data(message, chain_id, registry)["message"], "signature": "0x" + signature.hex()}
        return world.client.post("/v1/consents/sweeps", json=body)

    assert code(post_sweep(sweep, cm.sign(sweep, stranger.key, chain_id, registry))) == (401, "invalid_signature")
    ahead = replace(sweep, nonce=1)
    assert code(post_sweep(ahead, cm.sign(ahead, key.key, chain_id, registry))) == (409, "bad_sweep_nonce")
    signed = cm.sign(sweep, key.key, chain_id, registry)
    assert post_sweep(sweep, signed).status_code == 202
    assert code(post_sweep(sweep, signed)) == (409, "sweep_pending")
    world.settle()
    assert world.token.functions.balanceOf(recipient).call() == int(offer["compensation"])
    assert code(post_sweep(sweep, signed)) == (409, "bad_sweep_nonce"), "a replayed sweep carries a spent nonce"
