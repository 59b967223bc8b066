"""Ad creatives on AssetRegistry (anvil): sent from the owner's own custodial key, read back from the mirror."""

from __future__ import annotations

import base64
import hashlib

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.content import cid_for, content_store_from_url
from backend.content.cid import parse_cid
from backend.identity.roles import Role
from tests.provenance.chain_support import chained_provenance

BANNER = b"<svg xmlns='http://www.w3.org/2000/svg'><text>Chronograph 42, now 20% off</text></svg>"


@pytest.fixture
def chain(w3, registry, tmp_path):
    harness = chained_provenance(w3, registry, tmp_path)
    harness.client = TestClient(create_app(harness.settings), raise_server_exceptions=False)
    with harness.client:
        yield harness


def code(response):
    return response.json()["error"]["code"]


def test_a_creative_is_registered_by_its_owner_and_proven_from_the_mirror(chain):
    advertiser = chain.participant("Acme Ads", Role.ADVERTISER)
    rival = chain.participant("Copycat Ads", Role.ADVERTISER)
    digest = "0x" + hashlib.sha256(BANNER).hexdigest()
    body = {"content_base64": base64.b64encode(BANNER).decode()}

    response = chain.client.post("/v1/creatives", headers=advertiser.headers, json=body)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "content_hash": digest, "cid": cid_for(BANNER), "owner": advertiser.address, "status": "submitted",
        "registered_at": None, "block_number": None, "tx_hash": None, "error": None,
    }
    assert chain.client.post("/v1/creatives", headers=advertiser.headers, json=body).json()["status"] == "submitted"
    assert chain.outbox_kinds() == [("AssetRegistry.registerAsset", "queued")], "a repeated post queues nothing more"

    chain.drain()
    mined = chain.client.get(f"/v1/creatives/{digest}").json()
    assert mined["status"] == "mined" and mined["tx_hash"].startswith("0x")
    chain.index()
    proof = chain.client.get(f"/v1/creatives/{digest[2:].upper()}").json()
    owner, registered_at, cid = chain.assets.functions.asset(bytes.fromhex(digest[2:])).call()
    assert owner == advertiser.address and cid == bytes(parse_cid(cid_for(BANNER)))
    assert proof["status"] == "registered" and proof["owner"] == advertiser.address
    assert proof["cid"] == cid_for(BANNER) and proof["block_number"] == mined["block_number"]
    assert proof["tx_hash"] == mined["tx_hash"] and int(proof["registered_at"][:4]) >= 2024
    assert registered_at == chain.w3.eth.get_block(proof["block_number"])["timestamp"]

    taken = chain.client.post("/v1/creatives", headers=rival.headers, json=body)
    assert taken.status_code == 409 and code(taken) == "creative_registered"
    assert taken.json()["error"]["details"]["owner"] == advertiser.address


def test_creatives_are_refused_with_reasons(chain):
    advertiser = chain.participant("Acme Ads", Role.ADVERTISER)
    own_wallet = chain.participant("Self-Custody Ads", Role.ADVERTISER, own_key=Account.create())
    brand = chain.participant("Acme Watches", Role.BRAND)
    cid = cid_for(BANNER)
    post = lambda who, body: chain.client.post("/v1/creatives", headers=who.headers, json=body)  # noqa: E731

    assert post(brand, {"content_base64": "AA=="}).status_code == 403
    assert code(post(own_wallet, {"content_base64": "AA=="})) == "custody_required"
    assert code(post(advertiser, {})) == "invalid_creative"
    assert code(post(advertiser, {"content_base64": "not base64!"})) == "invalid_creative"
    assert code(post(advertiser, {"cid": cid})) == "invalid_creative"
    wrong = post(advertiser, {"cid": cid, "content_hash": "0x" + "00" * 32})
    assert wrong.status_code == 422 and "is not the sha-256 inside" in wrong.json()["error"]["message"]
    missing = post(advertiser, {"cid": cid, "content_hash": "0x" + hashlib.sha256(BANNER).hexdigest()})
    assert missing.status_code == 422 and code(missing) == "content_not_found"
    assert chain.client.get("/v1/creatives/" + "ab" * 32).status_code == 404
    assert chain.client.get("/v1/creatives/nothex").status_code == 422
    assert chain.outbox_kinds() == []

    # Content already in the store (e.g. added to the IPFS node) is registered by CID and hash.
    content_store_from_url(chain.settings.content_store_url).put(BANNER)
    accepted = post(advertiser, {"cid": cid, "content_hash": hashlib.sha256(BANNER).hexdigest()})
    assert accepted.status_code == 202 and accepted.json()["cid"] == cid
    assert chain.outbox_kinds() == [("AssetRegistry.registerAsset", "queued")]
