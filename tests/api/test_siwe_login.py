"""Sign-In with Ethereum against the API: the happy path and every way a login is refused."""

from datetime import timedelta

import pytest
from eth_account import Account

from backend.identity.models import ParticipantStatus, utcnow
from backend.identity.roles import Role
from tests.api.support import random_nonce, signed, siwe_message

WALLET = Account.from_key("0x" + "5a" * 32)


@pytest.fixture
def wallet_publisher(api):
    return api.identity(Role.PUBLISHER, address=WALLET.address)


def nonce(api) -> str:
    response = api.client.post("/v1/auth/nonce")
    assert response.status_code == 201
    return response.json()["nonce"]


def login(api, proof: dict, **extra):
    return api.client.post("/v1/auth/siwe", json={**proof, **extra})


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_nonce_carries_the_terms_to_sign(api):
    issued = api.client.post("/v1/auth/nonce").json()
    assert issued["domain"] == "testserver" and issued["uri"] == "http://testserver" and issued["chain_id"] == 31337
    assert len(issued["nonce"]) == 32 and issued["nonce"].isalnum()
    assert issued["nonce"] != api.client.post("/v1/auth/nonce").json()["nonce"]


def test_sign_in_returns_a_session_scoped_to_the_role(api, wallet_publisher):
    response = login(api, signed(siwe_message(WALLET, nonce(api)), WALLET))
    assert response.status_code == 200, response.text
    session = response.json()
    assert session["role"] == "publisher" and session["participant_id"] == str(wallet_publisher.participant_id)
    me = api.client.get("/v1/participants/me", headers={"Authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200 and me.json()["chain_address"] == WALLET.address

    keys = api.client.get("/v1/auth/api-keys", headers=wallet_publisher.headers).json()
    (credential,) = [k for k in keys if k["kind"] == "session"]
    assert credential["expires_at"] is not None


def test_session_ends_no_later_than_the_message(api, wallet_publisher):
    ends = utcnow() + timedelta(minutes=5)
    session = login(api, signed(siwe_message(WALLET, nonce(api), expiration_time=ends), WALLET)).json()
    headers = {"Authorization": f"Bearer {session['token']}"}
    assert api.client.get("/v1/participants/me", headers=headers).status_code == 200
    api.clock.fixed = ends + timedelta(seconds=1)
    refused(api.client.get("/v1/participants/me", headers=headers), 401, "credential_expired")


@pytest.mark.parametrize(
    "terms, code",
    [
        ({"domain": "evil.example"}, "siwe_domain_mismatch"),
        ({"uri": "http://evil.example/login"}, "siwe_uri_mismatch"),
        ({"chain_id": 1}, "siwe_chain_mismatch"),
        ({"expiration_time": utcnow() - timedelta(seconds=1)}, "siwe_expired"),
        ({"not_before": utcnow() + timedelta(hours=1)}, "siwe_not_yet_valid"),
        ({"issued_at": utcnow() + timedelta(hours=1)}, "siwe_issued_in_future"),
    ],
)
def test_wrong_terms_are_401_with_the_reason(api, wallet_publisher, terms, code):
    refused(login(api, signed(siwe_message(WALLET, nonce(api), **terms), WALLET)), 401, code)


def test_a_nonce_is_used_once(api, wallet_publisher):
    proof = signed(siwe_message(WALLET, nonce(api)), WALLET)
    assert login(api, proof).status_code == 200
    refused(login(api, proof), 401, "siwe_nonce_used")


def test_unknown_and_expired_nonces(api, wallet_publisher):
    refused(login(api, signed(siwe_message(WALLET, random_nonce()), WALLET)), 401, "siwe_nonce_unknown")
    proof = signed(siwe_message(WALLET, nonce(api)), WALLET)
    api.clock.fixed = utcnow() + timedelta(minutes=11)
    refused(login(api, proof), 401, "siwe_nonce_expired")


def test_signatures_must_be_valid_and_by_the_named_address(api, wallet_publisher):
    message = siwe_message(WALLET, nonce(api))
    proof = signed(message, WALLET)
    refused(login(api, {**proof, "signature": "0x" + "00" * 65}), 401, "siwe_bad_signature")
    refused(login(api, {**proof, "signature": "0xdeadbeef"}), 401, "siwe_bad_signature")
    impostor = Account.create()
    refused(login(api, signed(message, impostor)), 401, "siwe_signer_mismatch")
    assert login(api, proof).status_code == 200, "failed attempts do not spend the nonce"


def test_accounts_and_roles_are_checked(api):
    stranger = Account.create()
    refused(login(api, signed(siwe_message(stranger, nonce(api)), stranger)), 401, "siwe_unknown_account")

    api.identity(Role.ADVERTISER, Role.PUBLISHER, address=WALLET.address)
    refused(login(api, signed(siwe_message(WALLET, nonce(api)), WALLET)), 422, "role_required")
    refused(login(api, signed(siwe_message(WALLET, nonce(api)), WALLET), role="brand"), 403, "role_not_granted")
    chosen = login(api, signed(siwe_message(WALLET, nonce(api)), WALLET), role="advertiser")
    assert chosen.status_code == 200 and chosen.json()["role"] == "advertiser"


def test_suspended_participants_cannot_sign_in(api):
    suspended = Account.create()
    api.identity(Role.BRAND, address=suspended.address, status=ParticipantStatus.SUSPENDED)
    refused(login(api, signed(siwe_message(suspended, nonce(api)), suspended)), 403, "participant_suspended")


def test_malformed_requests_are_422(api):
    refused(login(api, {"message": "hello", "signature": "0x00"}), 422, "siwe_malformed")
    missing = api.client.post("/v1/auth/siwe", json={"message": "hello"})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["location"] == ["body", "signature"]
