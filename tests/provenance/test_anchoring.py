"""Anchoring on anvil: events -> batch document -> actor-signed EventBatch -> relayed anchorEvents ->
mirrored; every event provable against the contract; non-custodial actors sign through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.chain.outbox import OutboxStatus
from backend.content import content_store_from_url
from backend.core.db import engine_for
from backend.identity.roles import Role
from backend.provenance.epcis import parse_events
from backend.provenance.event_hash import event_hash, hash_digest
from backend.provenance.models import AnchorBatch, AnchorStatus, EpcisEvent
from indexer.models import ProvenanceAnchor
from tests.factories import transact
from tests.provenance.chain_support import GTIN, chained_provenance, epcis_document

START = datetime.now(UTC) - timedelta(days=3)


@pytest.fixture
def chain(w3, registry, tmp_path):
    harness = chained_provenance(w3, registry, tmp_path)
    harness.brand = harness.participant("Acme Watches", Role.BRAND)
    harness.client = TestClient(create_app(harness.settings), raise_server_exceptions=False)
    with harness.client:
        yield harness


def register_and_authorise(chain, *actors, serials=("A1", "A2")):
    client, brand = chain.client, chain.brand
    assert client.post("/v1/products", headers=brand.headers, json={"gtin": GTIN, "name": "Chronograph 42"}).status_code == 201
    assert client.post(f"/v1/products/{GTIN}/serials", headers=brand.headers,
                       json={"serials": list(serials)}).status_code == 201
    for actor in actors:
        response = client.post("/v1/products/actors", headers=brand.headers, json={"actor_id": str(actor.participant_id)})
        assert response.status_code == 201, response.text
    chain.drain()
    assert all(status == OutboxStatus.MINED for _, status in chain.outbox_kinds())


def post(chain, actor, serial, step, hours):
    response = chain.client.post(
        f"/v1/products/events?brand_id={chain.brand.participant_id}", headers=actor.headers,
        json=epcis_document(GTIN, serial, step, START + timedelta(hours=hours)),
    )
    assert response.status_code == 201, response.text
    return response.json()[0]["event_hash"]


def proof_of(chain, event_hash):
    response = chain.client.get(f"/v1/products/events/{hash_digest(event_hash).hex()}/proof")
    assert response.status_code == 200, response.text
    return response.json()


def test_custodial_actor_events_are_anchored_once_and_each_is_provable_on_chain(chain):
    factory = chain.participant("Acme Factory", Role.SUPPLY_CHAIN_ACTOR)
    register_and_authorise(chain, factory)
    hashes = [post(chain, factory, "A1", step, hours) for hours, step in enumerate(["commissioning", "packing", "shipping"])]
    assert proof_of(chain, hashes[0])["status"] == "pending"

    first = chain.anchor()
    assert (first.built, first.submitted, first.anchored, first.released) == (1, 1, 0, 0), first.problems
    assert chain.anchor().changed == 0, "a second pass before the transaction is mined changes nothing"
    chain.drain()
    assert chain.anchor().anchored == 1
    assert chain.anchor().changed == 0
    assert [kind for kind, _ in chain.outbox_kinds()].count("ProvenanceRegistry.anchorEvents") == 1

    with Session(engine_for(chain.settings.database_url)) as session:
        (anchor,) = session.exec(select(AnchorBatch)).all()
        assert anchor.status == AnchorStatus.ANCHORED and anchor.event_count == 3 and anchor.nonce == 1
        document = content_store_from_url(chain.settings.content_store_url).get(anchor.document_cid)
    # The stored document gives back the same events: anyone can recompute hashes and root.
    assert [event_hash(e.event, e.namespaces) for e in parse_events(orjson.loads(document))] == hashes

    on_chain = chain.provenance.functions.eventAnchor(bytes.fromhex(anchor.chain_batch_id[2:])).call()
    assert on_chain[0] == bytes.fromhex(anchor.events_root[2:]) and on_chain[1] == factory.address
    before_index = proof_of(chain, hashes[1])
    assert before_index["status"] == "anchored" and before_index["anchored"] is False  # the mirror has not seen it
    chain.index()
    for value in hashes:
        proof = proof_of(chain, value)
        assert proof["anchored"] is True and proof["anchored_block"] == anchor.anchored_block
        assert proof["batch_id"] == anchor.chain_batch_id and proof["events_root"] == anchor.events_root
        assert chain.provenance.functions.verifyEventAnchor(
            bytes.fromhex(proof["batch_id"][2:]), bytes.fromhex(proof["digest"][2:]),
            [bytes.fromhex(p[2:]) for p in proof["proof"]],
        ).call()
    forged = proof_of(chain, hashes[0])
    assert not chain.provenance.functions.verifyEventAnchor(
        bytes.fromhex(forged["batch_id"][2:]), bytes(32), [bytes.fromhex(p[2:]) for p in forged["proof"]]
    ).call()
    page = chain.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}).json()
    assert page["verdict"] == "genuine"
    assert {event["anchoredBlock"] for event in page["events"]} == {anchor.anchored_block}
    assert chain.client.get("/v1/products/events/" + "ab" * 32 + "/proof").status_code == 404
    assert chain.client.get("/v1/products/events/xyz/proof").status_code == 422


def test_non_custodial_actor_signs_its_batch_through_the_api(chain):
    wallet = Account.create()
    carrier = chain.participant("Own-Key Carrier", Role.SUPPLY_CHAIN_ACTOR, own_key=wallet)
    register_and_authorise(chain, carrier)
    hashes = [post(chain, carrier, "A2", "shipping", 1), post(chain, carrier, "A2", "receiving", 30)]
    built = chain.anchor()
    assert (built.built, built.submitted) == (1, 0), "the platform holds no key of this actor"
    (waiting,) = chain.client.get("/v1/products/anchors/unsigned", headers=carrier.headers).json()
    assert waiting["event_count"] == 2 and waiting["typed_data"]["primaryType"] == "EventBatch"
    assert waiting["typed_data"]["message"]["actor"] == wallet.address

    url = f"/v1/products/anchors/{waiting['anchor_id']}/signature"
    impostor = Account.sign_typed_data(Account.create().key, full_message=waiting["typed_data"]).signature.to_0x_hex()
    response = chain.client.post(url, headers=carrier.headers, json={"signature": impostor})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_signature"
    assert chain.client.post(url, headers=chain.brand.headers, json={"signature": impostor}).status_code == 403
    signature = Account.sign_typed_data(wallet.key, full_message=waiting["typed_data"]).signature.to_0x_hex()
    response = chain.client.post(url, headers=carrier.headers, json={"signature": signature})
    assert response.status_code == 202 and response.json() == {
        "anchor_id": waiting["anchor_id"], "batch_id": waiting["batch_id"], "status": "submitted",
    }
    again = chain.client.post(url, headers=carrier.headers, json={"signature": signature})
    assert again.status_code == 409 and again.json()["error"]["code"] == "anchor_not_open"
    assert chain.client.get("/v1/products/anchors/unsigned", headers=carrier.headers).json() == []

    chain.drain()
    assert chain.anchor().anchored == 1
    chain.index()
    proof = proof_of(chain, hashes[1])
    assert proof["anchored"] and proof["batch_id"] == waiting["batch_id"]
    with Session(engine_for(chain.settings.database_url)) as session:
        mirrored = session.exec(select(ProvenanceAnchor)).one()
    assert mirrored.actor == wallet.address and mirrored.batch_id == waiting["batch_id"]


def test_a_reverted_anchor_releases_its_events_into_the_next_batch(chain, admin):
    factory = chain.participant("Acme Factory", Role.SUPPLY_CHAIN_ACTOR)
    register_and_authorise(chain, factory)
    hashes = [post(chain, factory, "A1", "commissioning", 0), post(chain, factory, "A2", "commissioning", 0)]
    # A KYC officer suspends the actor on chain after it recorded them: the relayed anchor reverts.
    transact(chain.registry.functions.suspend(factory.address), admin)
    assert chain.anchor().submitted == 1
    chain.drain()
    assert ("ProvenanceRegistry.anchorEvents", OutboxStatus.REVERTED) in chain.outbox_kinds()
    reverted_batch = proof_of(chain, hashes[0])
    assert reverted_batch["status"] == "submitted"
    transact(chain.registry.functions.unsuspend(factory.address), admin)
    rebuilt = chain.anchor()
    assert (rebuilt.released, rebuilt.built, rebuilt.submitted) == (1, 1, 1)
    assert proof_of(chain, hashes[0])["batch_id"] != reverted_batch["batch_id"]
    chain.drain()
    assert chain.anchor().anchored == 1
    with Session(engine_for(chain.settings.database_url)) as session:
        statuses = sorted((a.nonce, a.status) for a in session.exec(select(AnchorBatch)))
    assert statuses == [(1, AnchorStatus.FAILED), (2, AnchorStatus.ANCHORED)]


def test_events_of_an_actor_the_brand_revoked_wait_unbatched(chain):
    factory = chain.participant("Acme Factory", Role.SUPPLY_CHAIN_ACTOR)
    register_and_authorise(chain, factory)
    post(chain, factory, "A1", "commissioning", 0)
    assert chain.client.delete(f"/v1/products/actors/{factory.participant_id}", headers=chain.brand.headers).status_code == 200
    skipped = chain.anchor()
    assert skipped.built == 0 and skipped.problems == [
        f"actor {factory.participant_id} no longer serves brand {chain.brand.participant_id}"
    ]
