"""Publishers' signing keys: registered, listed and revoked by the publisher itself; a
non-custodial publisher's wallet signs without registering."""

from __future__ import annotations

import secrets

import orjson
from eth_account import Account

from backend.ads.signatures import sign_secp256k1
from tests.ads.factories import NOW, impression


def keys_of(ingest, publisher) -> list[dict]:
    response = ingest.client.get("/v1/publishers/me/signing-keys", headers=publisher.identity.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_register_list_and_revoke(ingest):
    publisher = ingest.publisher()
    account = Account.create()
    secp_id = ingest.register_key(publisher, "secp256k1", account.address.lower())
    listed = keys_of(ingest, publisher)
    assert [(k["algorithm"], k["key"], k["wallet"]) for k in listed] == [
        ("ed25519", ingest.public_key(publisher), False),
        ("secp256k1", account.address, False),
    ]
    # A registered secp256k1 key signs an EIP-191 message over keccak of the signed bytes.
    body = orjson.dumps({"events": [impression("a")]})
    assert ingest.post(publisher, body=body, signature=sign_secp256k1(account.key, str(NOW), body)).status_code == 202

    revoked = ingest.client.delete(f"/v1/publishers/me/signing-keys/{secp_id}", headers=publisher.identity.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    again = ingest.client.delete(f"/v1/publishers/me/signing-keys/{secp_id}", headers=publisher.identity.headers)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    body = orjson.dumps({"events": [impression("b")]})
    refused = ingest.post(publisher, body=body, signature=sign_secp256k1(account.key, str(NOW), body))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "signature_invalid"
    # The Ed25519 key still signs; the revoked key cannot come back.
    assert ingest.post(publisher, body=body).status_code == 202
    back = ingest.client.post(
        "/v1/publishers/me/signing-keys",
        json={"algorithm": "secp256k1", "key": account.address},
        headers=publisher.identity.headers,
    )
    assert back.status_code == 409 and back.json()["error"]["code"] == "key_exists"


def test_revoking_the_only_key_leaves_the_publisher_unable_to_sign(ingest):
    publisher = ingest.publisher()
    (key_id,) = publisher.key_ids
    assert ingest.client.delete(f"/v1/publishers/me/signing-keys/{key_id}", headers=publisher.identity.headers).status_code == 200
    response = ingest.post(publisher, [impression("a")])
    assert response.status_code == 401 and response.json()["error"]["code"] == "publisher_unknown"


def test_another_publishers_key_cannot_be_revoked(ingest):
    alice, bob = ingest.publisher(), ingest.publisher()
    response = ingest.client.delete(f"/v1/publishers/me/signing-keys/{alice.key_ids[0]}", headers=bob.identity.headers)
    assert response.status_code == 404
    assert ingest.post(alice, [impression("a")]).status_code == 202


def test_invalid_and_duplicate_keys_are_refused(ingest):
    publisher = ingest.publisher()
    headers = publisher.identity.headers
    for body, code in [
        ({"algorithm": "ed25519", "key": "ab" * 31}, "key_invalid"),
        ({"algorithm": "ed25519", "key": "zz" * 32}, "key_invalid"),
        ({"algorithm": "secp256k1", "key": "0x1234"}, "key_invalid"),
        ({"algorithm": "ed25519", "key": ingest.public_key(publisher)}, "key_exists"),
    ]:
        response = ingest.client.post("/v1/publishers/me/signing-keys", json=body, headers=headers)
        assert response.json()["error"]["code"] == code, body
    assert ingest.client.post(
        "/v1/publishers/me/signing-keys", json={"algorithm": "rsa", "key": "00"}, headers=headers
    ).status_code == 422


def test_active_keys_are_capped(ingest):
    publisher = ingest.publisher()
    for _ in range(9):
        ingest.register_key(publisher, "ed25519", secrets.token_bytes(32).hex())
    response = ingest.client.post(
        "/v1/publishers/me/signing-keys",
        json={"algorithm": "ed25519", "key": secrets.token_bytes(32).hex()},
        headers=publisher.identity.headers,
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "too_many_keys"


def test_a_non_custodial_publishers_wallet_signs_without_registering(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher(wallet=True)
    (wallet,) = keys_of(ingest, publisher)
    assert wallet == {
        "id": None,
        "algorithm": "secp256k1",
        "key": publisher.address,
        "label": "wallet",
        "wallet": True,
        "created_at": None,
        "revoked_at": None,
    }
    response = ingest.post(publisher, [impression("a")])
    assert response.status_code == 202, response.text
    assert response.json()["counts"]["accepted"] == 1
