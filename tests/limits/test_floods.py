"""Each route class flooded (bounded) through the real app: exactly N answered, the rest 429 with
Retry-After and the usual error body, and nothing stored for a refused request."""

from __future__ import annotations

from collections import Counter

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import text

from backend.core.db import engine_for
from backend.identity.roles import Role
from backend.limits.memory_store import MemoryStore
from tests.ads.factories import impression
from tests.api.support import random_nonce, signed, siwe_message
from tests.limits.support import ManualClock, limiter
from tests.provenance.test_api import GTIN, Harness, register


def rows(database_url: str, table: str, where: str = "") -> int:
    with engine_for(database_url).connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table} {where}")).scalar_one()


def limit(app, **rates: str) -> ManualClock:
    """Replace the app's limiter with one on a manual clock and these rates (every other class off)."""
    clock = ManualClock()
    app.state.limiter = limiter(clock, MemoryStore(), **rates)
    return clock


def assert_limited(response, limit_class: str, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == str(retry_after)
    body = response.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["details"] == {"limit_class": limit_class, "retry_after": retry_after}
    assert limit_class in body["message"]


def test_sign_in_nonces_per_ip(api):
    clock = limit(api.app, signin_per_ip="5/minute")
    answers = [api.client.post("/v1/auth/nonce") for _ in range(12)]
    assert Counter(r.status_code for r in answers) == {201: 5, 429: 7}
    assert [r.status_code for r in answers[:5]] == [201] * 5
    for response in answers[5:]:
        assert_limited(response, "signin_per_ip", 12)  # 60 s / 5
    assert rows(api.settings.database_url, "siwe_nonce") == 5
    clock.advance(12)
    assert api.client.post("/v1/auth/nonce").status_code == 201
    assert api.client.post("/v1/auth/nonce").status_code == 429
    assert rows(api.settings.database_url, "siwe_nonce") == 6


def test_siwe_per_address_leaves_refused_nonces_unused(api):
    limit(api.app, signin_per_address="3/minute")
    account = Account.create()
    api.identity(Role.PUBLISHER, address=account.address)
    nonces = [api.client.post("/v1/auth/nonce").json()["nonce"] for _ in range(6)]
    answers = [
        api.client.post("/v1/auth/siwe", json=signed(siwe_message(account, nonce), account)) for nonce in nonces
    ]
    assert [r.status_code for r in answers] == [200] * 3 + [429] * 3, [r.text for r in answers]
    for response in answers[3:]:
        assert_limited(response, "signin_per_address", 20)
    url = api.settings.database_url
    assert rows(url, "siwe_nonce", "WHERE used_at IS NULL") == 3  # the refused sign-ins spent no nonce
    # another address is counted on its own
    other = Account.create()
    api.identity(Role.PUBLISHER, address=other.address)
    nonce = api.client.post("/v1/auth/nonce").json()["nonce"]
    assert api.client.post("/v1/auth/siwe", json=signed(siwe_message(other, nonce), other)).status_code == 200


def test_participant_applications_per_ip(api):
    limit(api.app, applications_per_ip="4/hour")
    before = rows(api.settings.database_url, "participant")
    body = {"display_name": "Flood Ltd", "requested_roles": ["publisher"], "custody_mode": "custodial"}
    answers = [api.client.post("/v1/participants", json=body) for _ in range(10)]
    assert [r.status_code for r in answers] == [201] * 4 + [429] * 6, answers[0].text
    for response in answers[4:]:
        assert_limited(response, "applications_per_ip", 900)
    assert rows(api.settings.database_url, "participant") == before + 4


def test_api_keys_per_participant(api):
    limit(api.app, api_keys_per_participant="3/hour")
    me = api.identity(Role.ADVERTISER)
    url = api.settings.database_url
    before = rows(url, "api_key")
    answers = [api.client.post("/v1/auth/api-keys", json={"label": f"k{i}"}, headers=me.headers) for i in range(7)]
    assert [r.status_code for r in answers] == [201] * 3 + [429] * 4, answers[0].text
    for response in answers[3:]:
        assert_limited(response, "api_keys_per_participant", 1200)
    assert rows(url, "api_key") == before + 3
    other = api.identity(Role.ADVERTISER)
    assert api.client.post("/v1/auth/api-keys", json={}, headers=other.headers).status_code == 201


def test_x_forwarded_for_counts_the_client_behind_a_trusted_proxy(make_api, api_settings):
    harness = make_api(api_settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}))
    limit(harness.app, signin_per_ip="2/minute")
    assert harness.app.state.trusted_proxies  # built from the setting
    with TestClient(harness.app, client=("10.0.0.7", 5000)) as proxy, TestClient(harness.app, client=("203.0.113.9", 5000)) as direct:
        def nonce(client, forwarded=None):
            headers = {"X-Forwarded-For": forwarded} if forwarded else {}
            return client.post("/v1/auth/nonce", headers=headers).status_code

        # Behind the proxy, each client has its own allowance.
        assert [nonce(proxy, "198.51.100.1") for _ in range(3)] == [201, 201, 429]
        assert [nonce(proxy, "spoofed, 198.51.100.2") for _ in range(3)] == [201, 201, 429]
        # An untrusted peer's header is ignored: it is counted as itself, whatever it claims.
        assert [nonce(direct, f"198.51.100.{i}") for i in range(3, 6)] == [201, 201, 429]


def test_event_batches_per_publisher_by_events_and_by_bytes(ingest):
    ingest.campaign(1)
    publisher, other = ingest.publisher(), ingest.publisher()
    app = ingest.api.app
    limit(app, events_per_publisher="10/second,burst=10")
    batches = [[impression(f"imp-{b}-{i}") for i in range(4)] for b in range(5)]
    answers = [ingest.post(publisher, batch) for batch in batches]
    assert [r.status_code for r in answers] == [202, 202, 429, 429, 429], answers[0].text
    for response in answers[2:]:
        assert_limited(response, "events_per_publisher", 1)  # 2 over the burst: 0.2 s, rounded up
    assert ingest.count("ad_events") == 8 and ingest.count("ad_batches") == 2
    # the same body again is not "already accepted": the refused one was never claimed
    assert ingest.post(other, batches[2]).status_code == 202
    # a bad signature under a publisher's name does not spend that publisher's allowance
    limit(app, events_per_publisher="4/second,burst=4")
    assert ingest.post(publisher, batches[3], signature="0x" + "00" * 64).status_code == 401
    assert ingest.post(publisher, batches[3]).status_code == 202

    clock = limit(app, event_bytes_per_publisher="1000/second,burst=3000")
    big = [impression(f"big-{i}") for i in range(6)]  # about 1,300 bytes
    outcomes = []
    for b in range(4):
        events = [dict(e, event_id=f"{e['event_id']}-{b}") for e in big]
        response = ingest.post(publisher, events)
        outcomes.append(response.status_code)
    assert outcomes == [202, 202, 429, 429]
    clock.advance(3)
    assert ingest.post(publisher, [dict(e, event_id=e["event_id"] + "-late") for e in big]).status_code == 202


def test_a_batch_larger_than_the_byte_burst_is_413_not_429(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    limit(ingest.api.app, event_bytes_per_publisher="100/second,burst=200")
    response = ingest.post(publisher, [impression(f"imp-{i}") for i in range(3)])
    assert response.status_code == 413 and "retry-after" not in response.headers
    error = response.json()["error"]
    assert error["code"] == "over_burst" and error["details"]["limit_class"] == "event_bytes_per_publisher"
    assert error["details"]["burst"] == 200 and error["details"]["cost"] > 200
    assert ingest.count("ad_events") == 0


@pytest.fixture
def provenance(tmp_path):
    harness = Harness(tmp_path)
    with harness.client:
        yield harness


def test_scans_per_ip_and_per_serial(provenance):
    register(provenance)
    url = provenance.settings.database_url
    clock = limit(provenance.app, scans_per_ip="5/minute", scans_per_serial="8/minute")
    answers = [provenance.client.get(f"/01/{GTIN}/21/A1") for _ in range(9)]
    assert [r.status_code for r in answers] == [200] * 5 + [429] * 4
    for response in answers[5:]:
        assert_limited(response, "scans_per_ip", 12)
    assert rows(url, "product_scan") == 5
    # other phones on the same item: the item's allowance (8) runs out after 3 more
    phones = [provenance.browser(f"192.0.2.{i}") for i in range(1, 6)]
    answers = [phone.get(f"/01/{GTIN}/21/A1") for phone in phones]
    assert [r.status_code for r in answers] == [200] * 3 + [429] * 2
    assert_limited(answers[-1], "scans_per_serial", 8)  # 60 s / 8 = 7.5, rounded up
    assert phones[0].get(f"/01/{GTIN}/21/A2").status_code == 200  # another item
    assert rows(url, "product_scan") == 9
    clock.advance(12)
    assert provenance.client.get(f"/01/{GTIN}/21/A3").status_code == 200


def test_claims_per_serial_and_per_ip_store_no_claim_when_refused(provenance):
    created = register(provenance)
    url = provenance.settings.database_url
    clock = limit(provenance.app, claims_per_serial="3/hour", claims_per_ip="5/minute")
    wrong = created["claim_codes"]["A2"]
    answers = [provenance.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": wrong}) for _ in range(5)]
    assert [r.status_code for r in answers] == [409] * 3 + [429] * 2
    assert_limited(answers[-1], "claims_per_serial", 1200)
    right = provenance.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": created["claim_codes"]["A1"]})
    assert_limited(right, "claims_per_serial", 1200)
    assert rows(url, "product_item", "WHERE claimed_at IS NOT NULL") == 0
    # per IP: the three refused by the item spent nothing of the IP's five, so two more are answered
    answers = [provenance.client.post(f"/v1/products/{GTIN}/{s}/claim", json={"code": wrong}) for s in ("A2", "A3")]
    assert [r.status_code for r in answers] == [200, 409]  # A2's own code is right for A2
    for _ in range(2):
        assert_limited(provenance.client.post(f"/v1/products/{GTIN}/A3/claim", json={"code": wrong}), "claims_per_ip", 12)
    assert rows(url, "product_item", "WHERE claimed_at IS NOT NULL") == 1
    clock.advance(1200)
    right = provenance.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": created["claim_codes"]["A1"]})
    assert right.status_code == 200
    assert rows(url, "product_item", "WHERE claimed_at IS NOT NULL") == 2
