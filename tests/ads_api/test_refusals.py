"""Batches refused whole, with nothing stored: malformed, oversized, unsigned, badly or stale signed,
replayed, from an unknown publisher."""

from __future__ import annotations

import secrets
import uuid

import orjson
import pytest
from eth_account import Account

from backend.ads.intake import MAX_BODY_BYTES, PUBLISHER_HEADER
from backend.ads.signatures import MAX_SIGNATURE_AGE, SIGNATURE_HEADER, sign_secp256k1
from backend.identity.roles import Role
from tests.ads.factories import NOW, event, impression
from tests.ads_api.support import KYC_UNTIL, Publisher
from tests.api.support import Identity


def error_of(response) -> str:
    return response.json()["error"]["code"]


def assert_nothing_stored(ingest) -> None:
    assert (ingest.count("ad_batches"), ingest.count("ad_events")) == (0, 0)


def test_invalid_events_are_reported_and_the_rest_stored(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    batch = [
        impression("ok-1"),
        impression("ok-1b", timestamp=1.5),
        {"event_id": "no-kind", "campaign_id": 1, "timestamp": NOW},
        event("bad-click", "click", impression_id="imp-x"),
        impression("bad ip", ip="999.1.1.1"),
        "not an object",
    ]
    response = ingest.post(publisher, batch)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["counts"] == {"events": 6, "accepted": 1, "filtered": 0, "duplicates": 0, "rejected": 5}
    rejected = {r["index"]: r for r in answer["rejected"]}
    assert sorted(rejected) == [1, 2, 3, 4, 5]
    assert rejected[1]["event_id"] == "ok-1b" and any(r.startswith("timestamp:") for r in rejected[1]["reasons"])
    assert any(r.startswith("kind:") for r in rejected[2]["reasons"])
    assert any("click needs impression_id and click_id" in r for r in rejected[3]["reasons"])
    assert any("event_id" in r for r in rejected[4]["reasons"]) and any(r.startswith("ip:") for r in rejected[4]["reasons"])
    assert rejected[5]["event_id"] is None
    assert [row["client_event_id"] for row in ingest.events()] == ["ok-1"]
    assert ingest.client.get(
        f"/v1/publishers/{publisher.identity.participant_id}/traffic", headers=publisher.identity.headers
    ).json()["batches"]["rejected"] == 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"events": [', "batch_not_json"),
        (b'{"events": {}}', "batch_malformed"),
        (b'{"events": [], "extra": 1}', "batch_malformed"),
        (b'{"events": []}', "batch_empty"),
        (orjson.dumps({"events": [{"event_id": "x"}, {"kind": "impression"}]}), "batch_events_invalid"),
    ],
)
def test_a_malformed_body_is_422_with_its_reason(ingest, body, code):
    publisher = ingest.publisher()
    response = ingest.post(publisher, body=body)
    assert response.status_code == 422, response.text
    assert error_of(response) == code
    if code == "batch_events_invalid":
        assert [r["index"] for r in response.json()["error"]["details"]] == [0, 1]
    assert_nothing_stored(ingest)
    # Refused before storing: the same body, once fixed, is not locked out by the replay cache.
    assert ingest.post(publisher, [impression("fixed")]).status_code == 202


def test_a_missing_or_malformed_publisher_header_is_422(ingest):
    publisher = ingest.publisher()
    missing = ingest.client.post("/v1/events", content=orjson.dumps({"events": [impression("a")]}))
    assert missing.status_code == 422 and error_of(missing) == "invalid_request"
    bad = ingest.post(publisher, [impression("a")], headers={PUBLISHER_HEADER: "publisher-1"})
    assert bad.status_code == 422 and error_of(bad) == "publisher_invalid"


def test_more_than_10000_events_is_413(ingest):
    publisher = ingest.publisher()
    events = [{"event_id": f"e{i}", "campaign_id": 1, "kind": "impression", "timestamp": NOW} for i in range(10_001)]
    response = ingest.post(publisher, events)
    assert response.status_code == 413 and error_of(response) == "batch_too_large"
    assert_nothing_stored(ingest)


def test_a_body_over_4_mib_is_413_before_anything_else(ingest):
    publisher = ingest.publisher()
    response = ingest.post(publisher, body=b" " * (MAX_BODY_BYTES + 1), signature="00")
    assert response.status_code == 413 and error_of(response) == "body_too_large"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"signature": "0x" + "00" * 64}, "signature_invalid"),
        ({"signature": "not hex"}, "signature_invalid"),
        ({"timestamp": NOW - MAX_SIGNATURE_AGE - 1}, "signature_stale"),
        ({"timestamp": NOW + MAX_SIGNATURE_AGE + 1}, "signature_stale"),
        ({"headers": {SIGNATURE_HEADER: ""}}, "signature_missing"),
    ],
)
def test_a_bad_or_stale_signature_is_401(ingest, change, code):
    publisher = ingest.publisher()
    response = ingest.post(publisher, [impression("a")], **change)
    assert response.status_code == 401, response.text
    assert error_of(response) == code
    assert_nothing_stored(ingest)


def test_a_signature_just_inside_five_minutes_is_accepted(ingest):
    publisher = ingest.publisher()
    assert ingest.post(publisher, [impression("a")], timestamp=NOW - MAX_SIGNATURE_AGE).status_code == 202


def test_a_body_changed_after_signing_is_401(ingest):
    publisher = ingest.publisher()
    signed = orjson.dumps({"events": [impression("a")]})
    signature = publisher.sign(str(NOW), signed)
    tampered = signed.replace(b'"a"', b'"b"')
    response = ingest.post(publisher, body=tampered, signature=signature)
    assert response.status_code == 401 and error_of(response) == "signature_invalid"


def test_another_publishers_key_or_an_unknown_publisher_is_401(ingest):
    alice, bob = ingest.publisher(), ingest.publisher()
    body = orjson.dumps({"events": [impression("a")]})
    as_bob = ingest.post(bob, body=body, signature=alice.sign(str(NOW), body))
    assert as_bob.status_code == 401 and error_of(as_bob) == "signature_invalid"
    stranger = Publisher(Identity(uuid.uuid4(), "0x" + "ab" * 20, Role.PUBLISHER, ""), seed=alice.seed)
    unknown = ingest.post(stranger, body=body)
    assert unknown.status_code == 401 and error_of(unknown) == "publisher_unknown"
    assert_nothing_stored(ingest)


def test_a_custodial_publishers_chain_key_does_not_sign(ingest):
    # The platform holds a custodial publisher's chain key: a signature by it proves nothing.
    account = Account.create()
    identity = ingest.api.identity(Role.PUBLISHER, address=account.address, kyc_expires_at=KYC_UNTIL)
    body = orjson.dumps({"events": [impression("a")]})
    chain_signed = sign_secp256k1(account.key, str(NOW), body)
    publisher = Publisher(identity, seed=secrets.token_bytes(32))
    unregistered = ingest.post(publisher, body=body, signature=chain_signed)
    assert unregistered.status_code == 401 and error_of(unregistered) == "publisher_unknown"
    ingest.register_key(publisher, "ed25519", ingest.public_key(publisher))
    registered = ingest.post(publisher, body=body, signature=chain_signed)
    assert registered.status_code == 401 and error_of(registered) == "signature_invalid"
    assert ingest.post(publisher, body=body).status_code == 202


def test_a_replayed_batch_is_409(ingest):
    publisher = ingest.publisher()
    body = orjson.dumps({"events": [impression("a"), impression("b")]})
    assert ingest.post(publisher, body=body).status_code == 202
    replay = ingest.post(publisher, body=body)
    assert replay.status_code == 409 and error_of(replay) == "batch_replayed"
    assert (ingest.count("ad_batches"), ingest.count("ad_events")) == (1, 2)


def test_a_replay_is_refused_durably_after_the_replay_cache_forgot_it(ingest, make_ingest_api):
    publisher = ingest.publisher()
    body = orjson.dumps({"events": [impression("a")]})
    assert ingest.post(publisher, body=body).status_code == 202
    # A new API process has an empty in-process replay cache; the body is signed afresh, later.
    restarted = make_ingest_api(ingest.api.settings)
    restarted.api.clock.fixed = ingest.api.clock.fixed
    replay = restarted.post(publisher, body=body, timestamp=NOW + 60)
    assert replay.status_code == 409 and error_of(replay) == "batch_replayed"
    assert (ingest.count("ad_batches"), ingest.count("ad_events")) == (1, 1)
