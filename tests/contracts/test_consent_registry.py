"""ConsentRegistry: funded offers, signed grants and withdrawals, compensation that cannot be drained."""

from dataclasses import replace

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from backend import consent as cm
from contracts import load_artifact
from tests.factories import (
    DAY,
    TOKEN_UNIT,
    Role,
    assert_reverts,
    deploy,
    increase_time,
    now,
    onboard,
    revert_name,
    transact,
)

PURPOSE = cm.purpose_hash("dpv:PersonalisedAdvertising")
CATEGORIES = cm.data_categories_hash(["interests", "country", "age-band"])
COMPENSATION = 5 * TOKEN_UNIT
CAP = 3
PERIOD = 30 * DAY
ACTIVE, WITHDRAWN = 1, 2  # IConsentRegistry.ConsentStatus


def key(label: str) -> Account:
    """A pairwise subject: a key nobody funds, that only ever signs."""
    return Account.from_key(keccak(text=label))


@pytest.fixture
def advertiser(registry, accounts):
    onboard(registry, accounts[1], Role.ADVERTISER)
    return accounts[1]


@pytest.fixture
def relayer(accounts):
    return accounts[9]


@pytest.fixture
def consents(w3, registry):
    return deploy(w3, "ConsentRegistry", registry.address)


def publish(consents, token, advertiser, admin, *, compensation=COMPENSATION, cap=CAP, period=PERIOD):
    transact(token.functions.mint(advertiser, compensation * cap), admin)
    transact(token.functions.approve(consents.address, compensation * cap), advertiser)
    receipt = transact(
        consents.functions.publishOffer(PURPOSE, CATEGORIES, token.address, compensation, cap, period), advertiser
    )
    return consents.events.OfferPublished().process_receipt(receipt, errors=DISCARD)[0].args.offerId


@pytest.fixture
def offer_id(consents, token, advertiser, admin):
    return publish(consents, token, advertiser, admin)


def make_consent(w3, advertiser, subject, offer_id, **changes) -> cm.Consent:
    consent = cm.Consent(
        subject=subject.address,
        grantee=advertiser,
        offer_id=offer_id,
        purpose=PURPOSE,
        data_categories_hash=CATEGORIES,
        expiry=now(w3) + 90 * DAY,
        compensation=COMPENSATION,
        nonce=cm.new_nonce(),
        deadline=now(w3) + 3_600,
    )
    return replace(consent, **changes)


def signed(w3, consents, message, signer, *, chain_id=None, contract=None) -> bytes:
    return cm.sign(message, signer.key, chain_id or w3.eth.chain_id, contract or consents.address)


def grant(w3, consents, relayer, consent, subject):
    receipt = transact(consents.functions.grant(consent.values(), signed(w3, consents, consent, subject)), relayer)
    (event,) = consents.events.ConsentGranted().process_receipt(receipt, errors=DISCARD)
    return event.args


def withdrawal(w3, consent_id, subject) -> cm.Withdrawal:
    return cm.Withdrawal(subject=subject.address, consent_id=consent_id, deadline=now(w3) + 3_600)


def test_python_messages_hash_like_the_contract(w3, consents):
    assert consents.functions.CONSENT_TYPEHASH().call() == keccak(text=cm.type_string(cm.Consent))
    assert consents.functions.WITHDRAWAL_TYPEHASH().call() == keccak(text=cm.type_string(cm.Withdrawal))
    assert consents.functions.SWEEP_TYPEHASH().call() == keccak(text=cm.type_string(cm.Sweep))
    _, name, version, chain_id, verifying_contract, _, _ = consents.functions.eip712Domain().call()
    assert (name, version, chain_id, verifying_contract) == (
        cm.DOMAIN_NAME, cm.DOMAIN_VERSION, w3.eth.chain_id, consents.address,
    )


def test_typed_data_is_wallet_json(w3, consents, advertiser):
    consent = make_consent(w3, advertiser, key("s"), 1, nonce=2**255 + 7)
    payload = cm.typed_data(consent, w3.eth.chain_id, consents.address)
    assert payload["primaryType"] == "Consent"
    assert payload["message"]["nonce"] == str(2**255 + 7), "a JS number would round it"
    assert payload["message"]["purpose"] == "0x" + PURPOSE.hex()
    assert payload["message"]["expiry"] == consent.expiry
    subject = key("s")
    signature = signed(w3, consents, consent, subject)
    cm.verify(consent, signature, w3.eth.chain_id, consents.address)
    with pytest.raises(cm.ConsentSignatureError):
        cm.verify(consent, signed(w3, consents, consent, key("other")), w3.eth.chain_id, consents.address)
    with pytest.raises(cm.ConsentSignatureError):
        cm.verify(consent, signature[:64], w3.eth.chain_id, consents.address)


# --- offers ---------------------------------------------------------------------------------


def test_publish_offer_pulls_the_whole_budget(consents, token, advertiser, admin):
    transact(token.functions.mint(advertiser, COMPENSATION * CAP), admin)
    transact(token.functions.approve(consents.address, COMPENSATION * CAP), advertiser)
    receipt = transact(
        consents.functions.publishOffer(PURPOSE, CATEGORIES, token.address, COMPENSATION, CAP, PERIOD), advertiser
    )
    (event,) = consents.events.OfferPublished().process_receipt(receipt, errors=DISCARD)
    assert event.args.offerId == 1 and event.args.advertiser == advertiser and event.args.token == token.address
    assert (event.args.purpose, event.args.dataCategoriesHash) == (PURPOSE, CATEGORIES)
    assert (event.args.compensation, event.args.cap, event.args.periodLength) == (COMPENSATION, CAP, PERIOD)
    assert token.functions.balanceOf(consents.address).call() == COMPENSATION * CAP
    assert token.functions.balanceOf(advertiser).call() == 0
    assert consents.functions.offer(1).call() == (
        advertiser, 0, CAP, PERIOD, token.address, COMPENSATION, False, PURPOSE, CATEGORIES,
    )
    assert publish(consents, token, advertiser, admin) == 2, "ids are sequential"


@pytest.mark.parametrize("standing", ["no role", "publisher only", "suspended", "kyc expired"])
def test_only_an_active_advertiser_publishes(w3, registry, consents, token, accounts, admin, standing):
    account = accounts[2]
    if standing == "publisher only":
        onboard(registry, account, Role.PUBLISHER)
    elif standing == "suspended":
        onboard(registry, account, Role.ADVERTISER)
        transact(registry.functions.suspend(account), admin)
    elif standing == "kyc expired":
        onboard(registry, account, Role.ADVERTISER, kyc_days=1)
        increase_time(w3, DAY + 1)
    call = consents.functions.publishOffer(PURPOSE, CATEGORIES, token.address, 0, 1, PERIOD)
    assert assert_reverts(call, account, consents, "ConsentRegistryNotAdvertiser") == (account.lower(),)


def test_bad_offer_terms_are_refused(w3, consents, token, advertiser, admin):
    publish_ = consents.functions.publishOffer
    zero = "0x" + "00" * 20
    assert_reverts(publish_(PURPOSE, CATEGORIES, zero, 1, 1, PERIOD), advertiser, consents, "ConsentRegistryZeroAddress")
    assert assert_reverts(
        publish_(PURPOSE, CATEGORIES, token.address, 1, 0, PERIOD), advertiser, consents,
        "ConsentRegistryInvalidOfferTerms",
    ) == (1, 0)
    assert_reverts(
        publish_(PURPOSE, CATEGORIES, token.address, 2**88, 1, PERIOD), advertiser, consents,
        "ConsentRegistryInvalidOfferTerms",
    )
    assert_reverts(
        publish_(PURPOSE, CATEGORIES, token.address, COMPENSATION, CAP, PERIOD), advertiser, token,
        "ERC20InsufficientAllowance",
    )


def test_a_token_that_delivers_less_is_refused(w3, consents, advertiser):
    skimming = deploy(w3, "SkimmingTestToken")
    transact(skimming.functions.mint(advertiser, 1_000), advertiser)
    transact(skimming.functions.approve(consents.address, 1_000), advertiser)
    call = consents.functions.publishOffer(PURPOSE, CATEGORIES, skimming.address, 100, 10, PERIOD)
    assert assert_reverts(call, advertiser, consents, "ConsentRegistryUnderfunded") == (
        skimming.address.lower(), 1_000, 990,
    )


def test_close_offer_refunds_what_was_not_paid(w3, consents, token, advertiser, offer_id, relayer):
    grant(w3, consents, relayer, make_consent(w3, advertiser, key("a"), offer_id), key("a"))
    receipt = transact(consents.functions.closeOffer(offer_id), advertiser)
    (event,) = consents.events.OfferClosed().process_receipt(receipt, errors=DISCARD)
    assert (event.args.offerId, event.args.advertiser, event.args.refund) == (offer_id, advertiser, 2 * COMPENSATION)
    assert token.functions.balanceOf(advertiser).call() == 2 * COMPENSATION
    assert token.functions.balanceOf(consents.address).call() == COMPENSATION, "the subject's accrued reward stays"
    assert consents.functions.offer(offer_id).call()[6] is True

    late = make_consent(w3, advertiser, key("b"), offer_id)
    call = consents.functions.grant(late.values(), signed(w3, consents, late, key("b")))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryOfferClosed") == (offer_id,)


def test_close_offer_refusals(consents, advertiser, offer_id, accounts):
    assert assert_reverts(
        consents.functions.closeOffer(offer_id), accounts[2], consents, "ConsentRegistryNotOfferOwner"
    ) == (offer_id, accounts[2].lower())
    assert_reverts(consents.functions.closeOffer(99), advertiser, consents, "ConsentRegistryUnknownOffer")
    transact(consents.functions.closeOffer(offer_id), advertiser)
    assert_reverts(consents.functions.closeOffer(offer_id), advertiser, consents, "ConsentRegistryOfferClosed")


# --- grants -----------------------------------------------------------------------------------


def test_grant_relayed_by_anyone_records_and_accrues(w3, consents, token, advertiser, offer_id, relayer):
    subject = key("alice@advertiser-1")
    consent = make_consent(w3, advertiser, subject, offer_id)
    expected_id = cm.consent_id(consent, w3.eth.chain_id, consents.address)
    assert consents.functions.grant(consent.values(), signed(w3, consents, consent, subject)).call(
        {"from": relayer}
    ) == expected_id
    event = grant(w3, consents, relayer, consent, subject)

    period = consents.functions.currentPeriod(offer_id).call()
    assert period == now(w3) // PERIOD + 1
    assert event.consentId == expected_id and event.subject == subject.address and event.offerId == offer_id
    assert (event.grantee, event.purpose, event.expiry) == (advertiser, PURPOSE, consent.expiry)
    assert (event.period, event.compensationPaid) == (period, COMPENSATION)
    assert consents.functions.consentRecord(expected_id).call() == (
        subject.address, consent.expiry, offer_id, ACTIVE, True,
    )
    assert consents.functions.isConsentActive(expected_id).call()
    assert consents.functions.rewardsOf(subject.address, token.address).call() == COMPENSATION
    assert consents.functions.paidPeriod(subject.address, offer_id).call() == period
    assert consents.functions.offer(offer_id).call()[1] == 1, "grantsPaid"
    assert w3.eth.get_balance(subject.address) == 0, "the subject never needed gas"


def test_consent_expires_at_read_time(w3, consents, advertiser, offer_id, relayer):
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id, expiry=now(w3) + DAY)
    consent_id = grant(w3, consents, relayer, consent, subject).consentId
    assert consents.functions.isConsentActive(consent_id).call()
    increase_time(w3, DAY)
    assert not consents.functions.isConsentActive(consent_id).call()
    assert consents.functions.consentRecord(consent_id).call()[3] == ACTIVE, "no transaction was needed"


@pytest.mark.parametrize("field", ["grantee", "purpose", "data_categories_hash", "compensation"])
def test_grant_must_match_the_offer_terms(w3, consents, advertiser, offer_id, relayer, accounts, field):
    other = {
        "grantee": accounts[2],
        "purpose": cm.purpose_hash("dpv:Marketing"),
        "data_categories_hash": cm.data_categories_hash(["country"]),
        "compensation": COMPENSATION + 1,
    }[field]
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id, **{field: other})
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, subject))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryTermsMismatch") == (offer_id,)


def test_grant_to_unknown_offer_is_refused(w3, consents, advertiser, relayer):
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, 7)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, subject))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryUnknownOffer") == (7,)
    with pytest.raises(ContractCustomError) as exc:
        consents.functions.currentPeriod(7).call()
    assert revert_name(consents, exc) == "ConsentRegistryUnknownOffer"


@pytest.mark.parametrize("standing", ["suspended", "kyc expired"])
def test_no_grants_to_an_inactive_advertiser(w3, registry, consents, advertiser, offer_id, relayer, admin, standing):
    if standing == "suspended":
        transact(registry.functions.suspend(advertiser), admin)
    else:
        transact(registry.functions.setKyc(advertiser, 0), admin)
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, subject))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryGranteeInactive") == (advertiser.lower(),)


@pytest.mark.parametrize("expiry", ["past", "beyond uint40"])
def test_expiry_must_be_future_and_storable(w3, consents, advertiser, offer_id, relayer, expiry):
    value = {"past": now(w3) - 10, "beyond uint40": 2**40}[expiry]
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id, expiry=value)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, subject))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryExpiryOutOfRange") == (value,)


def test_expired_signature_is_refused(w3, consents, advertiser, offer_id, relayer):
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id, deadline=now(w3) + 60)
    signature = signed(w3, consents, consent, subject)
    increase_time(w3, 61)
    call = consents.functions.grant(consent.values(), signature)
    assert assert_reverts(call, relayer, consents, "ConsentRegistrySignatureExpired") == (consent.deadline,)


@pytest.mark.parametrize("forgery", ["other key", "wrong chain", "wrong contract", "truncated"])
def test_forged_grant_signatures_are_refused(w3, consents, advertiser, offer_id, relayer, accounts, forgery):
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id)
    signature = {
        "other key": lambda: signed(w3, consents, consent, key("mallory")),
        "wrong chain": lambda: signed(w3, consents, consent, subject, chain_id=w3.eth.chain_id + 1),
        "wrong contract": lambda: signed(w3, consents, consent, subject, contract=accounts[5]),
        "truncated": lambda: signed(w3, consents, consent, subject)[:64],
    }[forgery]()
    call = consents.functions.grant(consent.values(), signature)
    expected, recovered = assert_reverts(call, relayer, consents, "ConsentRegistryInvalidSignature")
    assert to_checksum_address(expected) == subject.address and to_checksum_address(recovered) != subject.address


def test_replayed_grant_is_refused(w3, consents, advertiser, offer_id, relayer):
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id)
    signature = signed(w3, consents, consent, subject)
    consent_id = grant(w3, consents, relayer, consent, subject).consentId
    call = consents.functions.grant(consent.values(), signature)
    assert assert_reverts(call, relayer, consents, "ConsentRegistryConsentExists") == (consent_id,)


# --- compensation cannot be drained ------------------------------------------------------------


def test_withdraw_and_grant_again_in_a_period_pays_nothing(w3, consents, token, advertiser, offer_id, relayer):
    subject = key("s")
    first = grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)
    message = withdrawal(w3, first.consentId, subject)
    transact(consents.functions.withdraw(message.values(), signed(w3, consents, message, subject)), relayer)

    again = grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)
    assert (again.period, again.compensationPaid) == (0, 0)
    assert consents.functions.consentRecord(again.consentId).call()[4] is False, "not compensated"
    assert consents.functions.isConsentActive(again.consentId).call()
    assert consents.functions.rewardsOf(subject.address, token.address).call() == COMPENSATION
    assert consents.functions.offer(offer_id).call()[1] == 1

    increase_time(w3, PERIOD)
    next_period = grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)
    assert next_period.period == first.period + 1 and next_period.compensationPaid == COMPENSATION
    assert consents.functions.rewardsOf(subject.address, token.address).call() == 2 * COMPENSATION


def test_grants_beyond_the_cap_are_refused(w3, consents, token, advertiser, admin, relayer):
    offer_id = publish(consents, token, advertiser, admin, cap=2)
    paid = [key("s1"), key("s2")]
    for subject in paid:
        grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)
    late = key("s3")
    consent = make_consent(w3, advertiser, late, offer_id)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, late))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryOfferExhausted") == (offer_id, 2)

    repeat = grant(w3, consents, relayer, make_consent(w3, advertiser, paid[0], offer_id), paid[0])
    assert repeat.compensationPaid == 0, "an unpaid repeat inside the period is still recorded"
    increase_time(w3, PERIOD)
    consent = make_consent(w3, advertiser, paid[0], offer_id)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, paid[0]))
    assert_reverts(call, relayer, consents, "ConsentRegistryOfferExhausted")
    owed = sum(consents.functions.rewardsOf(s.address, token.address).call() for s in paid)
    assert owed == 2 * COMPENSATION == token.functions.balanceOf(consents.address).call()


def test_period_length_zero_pays_each_subject_once(w3, consents, token, advertiser, admin, relayer):
    offer_id = publish(consents, token, advertiser, admin, period=0)
    subject = key("s")
    assert grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject).period == 1
    increase_time(w3, 300 * DAY)  # long after, yet inside the advertiser's 365-day KYC
    consent = make_consent(w3, advertiser, subject, offer_id)
    assert grant(w3, consents, relayer, consent, subject).compensationPaid == 0
    assert consents.functions.rewardsOf(subject.address, token.address).call() == COMPENSATION


def test_an_unpaid_offer_still_counts_against_its_cap(w3, consents, token, advertiser, admin, relayer):
    offer_id = publish(consents, token, advertiser, admin, compensation=0, cap=1)
    assert token.functions.balanceOf(consents.address).call() == 0
    subject = key("s")
    consent = make_consent(w3, advertiser, subject, offer_id, compensation=0)
    event = grant(w3, consents, relayer, consent, subject)
    assert event.compensationPaid == 0 and event.period > 0
    other = key("t")
    consent = make_consent(w3, advertiser, other, offer_id, compensation=0)
    call = consents.functions.grant(consent.values(), signed(w3, consents, consent, other))
    assert_reverts(call, relayer, consents, "ConsentRegistryOfferExhausted")


# --- withdrawals --------------------------------------------------------------------------------


def test_withdraw_by_signature(w3, consents, advertiser, offer_id, relayer):
    subject = key("s")
    consent_id = grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject).consentId
    message = withdrawal(w3, consent_id, subject)
    signature = signed(w3, consents, message, subject)
    receipt = transact(consents.functions.withdraw(message.values(), signature), relayer)
    (event,) = consents.events.ConsentWithdrawn().process_receipt(receipt, errors=DISCARD)
    assert (event.args.consentId, event.args.subject, event.args.offerId) == (consent_id, subject.address, offer_id)
    assert not consents.functions.isConsentActive(consent_id).call()
    assert consents.functions.consentRecord(consent_id).call()[3] == WITHDRAWN

    replay = consents.functions.withdraw(message.values(), signature)
    assert assert_reverts(replay, relayer, consents, "ConsentRegistryNotActive") == (consent_id, WITHDRAWN)


def test_withdrawal_refusals(w3, consents, advertiser, offer_id, relayer, accounts):
    subject, other = key("s"), key("t")
    consent_id = grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject).consentId

    unknown = withdrawal(w3, b"\x01" * 32, subject)
    call = consents.functions.withdraw(unknown.values(), signed(w3, consents, unknown, subject))
    assert_reverts(call, relayer, consents, "ConsentRegistryUnknownConsent")

    not_theirs = withdrawal(w3, consent_id, other)
    call = consents.functions.withdraw(not_theirs.values(), signed(w3, consents, not_theirs, other))
    assert assert_reverts(call, relayer, consents, "ConsentRegistryNotSubject") == (consent_id, other.address.lower())

    message = withdrawal(w3, consent_id, subject)
    for signature in (
        signed(w3, consents, message, other),
        signed(w3, consents, message, subject, chain_id=w3.eth.chain_id + 1),
        signed(w3, consents, message, subject, contract=accounts[5]),
    ):
        call = consents.functions.withdraw(message.values(), signature)
        assert_reverts(call, relayer, consents, "ConsentRegistryInvalidSignature")

    late = replace(message, deadline=now(w3) + 10)
    signature = signed(w3, consents, late, subject)
    increase_time(w3, 11)
    call = consents.functions.withdraw(late.values(), signature)
    assert_reverts(call, relayer, consents, "ConsentRegistrySignatureExpired")
    assert consents.functions.isConsentActive(consent_id).call()


# --- rewards ------------------------------------------------------------------------------------


def sweep_message(w3, consents, subject, token, recipient, **changes) -> cm.Sweep:
    message = cm.Sweep(
        subject=subject.address,
        token=token.address,
        recipient=recipient,
        nonce=consents.functions.sweepNonce(subject.address).call(),
        deadline=now(w3) + 3_600,
    )
    return replace(message, **changes)


def test_sweep_pays_rewards_to_any_address(w3, consents, token, advertiser, admin, relayer, accounts):
    subject, wallet = key("s"), accounts[7]
    for _ in range(2):
        offer_id = publish(consents, token, advertiser, admin)
        grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)
    message = sweep_message(w3, consents, subject, token, wallet)
    signature = signed(w3, consents, message, subject)
    receipt = transact(consents.functions.sweep(message.values(), signature), relayer)
    (event,) = consents.events.RewardsSwept().process_receipt(receipt, errors=DISCARD)
    assert (event.args.subject, event.args.token, event.args.recipient) == (subject.address, token.address, wallet)
    assert (event.args.amount, event.args.nonce) == (2 * COMPENSATION, 0)
    assert token.functions.balanceOf(wallet).call() == 2 * COMPENSATION
    assert consents.functions.rewardsOf(subject.address, token.address).call() == 0
    assert consents.functions.sweepNonce(subject.address).call() == 1

    replay = consents.functions.sweep(message.values(), signature)
    assert assert_reverts(replay, relayer, consents, "ConsentRegistryBadNonce") == (subject.address.lower(), 1, 0)


def test_sweep_refusals(w3, consents, token, advertiser, offer_id, relayer, accounts):
    subject, wallet = key("s"), accounts[7]
    grant(w3, consents, relayer, make_consent(w3, advertiser, subject, offer_id), subject)

    message = sweep_message(w3, consents, subject, token, wallet)
    for signature in (
        signed(w3, consents, message, key("mallory")),
        signed(w3, consents, message, subject, chain_id=w3.eth.chain_id + 1),
        signed(w3, consents, message, subject, contract=accounts[5]),
    ):
        call = consents.functions.sweep(message.values(), signature)
        assert_reverts(call, relayer, consents, "ConsentRegistryInvalidSignature")
    stolen = replace(message, recipient=relayer)
    call = consents.functions.sweep(stolen.values(), signed(w3, consents, message, subject))
    assert_reverts(call, relayer, consents, "ConsentRegistryInvalidSignature")

    zero = replace(message, recipient="0x" + "00" * 20)
    call = consents.functions.sweep(zero.values(), signed(w3, consents, zero, subject))
    assert_reverts(call, relayer, consents, "ConsentRegistryZeroAddress")

    ahead = replace(message, nonce=5)
    call = consents.functions.sweep(ahead.values(), signed(w3, consents, ahead, subject))
    assert_reverts(call, relayer, consents, "ConsentRegistryBadNonce")

    other_token = deploy(w3, "SettlementToken", "Test EUR", "tEUR", accounts[0])
    empty = sweep_message(w3, consents, subject, other_token, wallet)
    call = consents.functions.sweep(empty.values(), signed(w3, consents, empty, subject))
    assert_reverts(call, relayer, consents, "ConsentRegistryNothingToSweep")

    late = replace(message, deadline=now(w3) + 10)
    signature = signed(w3, consents, late, subject)
    increase_time(w3, 11)
    assert_reverts(consents.functions.sweep(late.values(), signature), relayer, consents, "ConsentRegistrySignatureExpired")
    assert token.functions.balanceOf(wallet).call() == 0


def test_constructor_refuses_zero_registry(w3, admin):
    artifact = load_artifact("ConsentRegistry")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    assert_reverts(factory.constructor("0x" + "00" * 20), admin, factory, "ConsentRegistryZeroAddress")
