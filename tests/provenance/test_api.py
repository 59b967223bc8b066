"""The provenance API end to end on SQLite: register, authorise, post events, anchor, scan, claim."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from eth_utils import to_checksum_address
from fastapi.testclient import TestClient
from sqlmodel import Session
from web3 import Web3

from backend.api.auth import request_time
from backend.api.main import create_app
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.identity.ports import outbox_enqueue
from backend.identity.roles import Role
from backend.provenance.derived_keys import provenance_keys
from backend.provenance.service import build_pending_batch, mark_anchored, register_tag
from contracts import load_artifact
from indexer.database import make_engine
from indexer.database import migrate as migrate_mirror
from indexer.models import Product as ChainProduct
from indexer.models import ProvenanceAnchor
from contracts.deployment import DeployedContract, DeploymentManifest
from tests.api.support import RecordingOutbox, create_identity
from tests.provenance.test_claims_qr import _decode, _png_rows
from tests.provenance.test_sun import tap

GTIN = "09506000134352"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
REGISTRY = "0x7a1e5D5b3D0a1f7c2C6e1B8a9F0d3E4c5B6a7D8e".lower()  # the indexer stores it checksummed


def shipping(serial, step="shipping", minutes=0, **extra):
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": NOW.isoformat(),
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "action": "OBSERVE",
                    "bizStep": step,
                    "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{serial}"],
                    "eventTime": (NOW - timedelta(days=10, minutes=-minutes)).isoformat(),
                    "eventTimeZoneOffset": "+00:00",
                    "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
                    **extra,
                }
            ]
        },
    }


class Harness:
    def __init__(self, tmp_path):
        manifest = DeploymentManifest(
            chain_id=31337,
            contracts={
                "ParticipantRegistry": DeployedContract("ParticipantRegistry", "0x" + "a1" * 20, 1, "0x" + "00" * 32, ""),
                "ProvenanceRegistry": DeployedContract("ProvenanceRegistry", REGISTRY, 1, "0x" + "00" * 32, ""),
            },
        )
        manifest.save(tmp_path / "deployment.json")
        self.settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'api.db'}",
            manifest_path=tmp_path / "deployment.json",
            content_store_url=str(tmp_path / "content"),
            digital_link_resolver="id.brand.example",
            provenance_secret="provenance-secret-for-tests",
        )
        upgrade_database(self.settings.database_url)
        migrate_mirror(make_engine(self.settings.database_url))
        self.outbox = RecordingOutbox()
        self.app = create_app(self.settings)
        self.app.dependency_overrides[outbox_enqueue] = lambda: self.outbox
        self.now = NOW
        self.app.dependency_overrides[request_time] = lambda: self.now
        self.client = self.browser("127.0.0.1")
        url = self.settings.database_url
        self.brand = create_identity(url, Role.BRAND, name="Acme Watches")
        self.other_brand = create_identity(url, Role.BRAND, name="Other Brand")
        self.actor = create_identity(url, Role.SUPPLY_CHAIN_ACTOR, name="Swift Logistics")

    def browser(self, ip: str) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, client=(ip, 40000))

    def queued(self) -> list[tuple[str, dict]]:
        contract = Web3().eth.contract(abi=load_artifact("ProvenanceRegistry").abi)
        calls = []
        for call in self.outbox.calls:
            assert call["to"] == REGISTRY
            function, args = contract.decode_function_input(call["data"])
            calls.append((function.fn_name, dict(args)))
        return calls

    def anchor_pending(self, block: int) -> None:
        """Build the actor's batch and put its EventsAnchored in the mirror, as the indexer would."""
        with Session(engine_for(self.settings.database_url)) as session:
            pending = build_pending_batch(
                session, actor_id=self.actor.participant_id, brand_id=self.brand.participant_id, nonce=block
            )
            batch_id = block.to_bytes(32, "big")
            mark_anchored(session, pending.anchor, chain_batch_id=batch_id, block=block, at=self.now)
            session.add(ProvenanceAnchor(
                block_number=block, log_index=0, contract=to_checksum_address(REGISTRY), tx_hash="0x" + "ab" * 32, block_timestamp=0,
                batch_id="0x" + batch_id.hex(), actor=self.actor.address, brand=self.brand.address,
                events_root=pending.anchor.events_root, event_count=pending.anchor.event_count, document_cid="0x",
                nonce=block,
            ))
            session.commit()

    def recall_on_chain(self) -> None:
        with Session(engine_for(self.settings.database_url)) as session:
            session.add(ChainProduct(contract=to_checksum_address(REGISTRY), gtin=int(GTIN), brand=self.brand.address, metadata_cid="0x",
                                     recalled=True, registered_block=1, updated_block=2))
            session.commit()


@pytest.fixture
def api(tmp_path):
    harness = Harness(tmp_path)
    with harness.client:
        yield harness


def error(response):
    body = response.json()["error"]
    return body["code"], body.get("details")


def register(api, serials=("A1", "A2", "A3")):
    response = api.client.post("/v1/products", headers=api.brand.headers,
                               json={"gtin": "9506000134352", "name": "Chronograph 42", "metadata": {"colour": "steel"}})
    assert response.status_code == 201, response.text
    response = api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers,
                               json={"serials": list(serials), "claim_codes": True})
    assert response.status_code == 201, response.text
    return response.json()


def authorise(api):
    response = api.client.post("/v1/products/actors", headers=api.brand.headers,
                               json={"actor_id": str(api.actor.participant_id)})
    assert response.status_code == 201, response.text


def post_events(api, document, identity=None, brand=None):
    identity = identity or api.actor
    brand = brand or api.brand.participant_id
    return api.client.post(f"/v1/products/events?brand_id={brand}", headers=identity.headers, json=document)


def test_brand_registers_products_and_serials_with_reasons_for_refusals(api):
    response = api.client.post("/v1/products", headers=api.brand.headers, json={"gtin": "9506000134353", "name": "x"})
    assert response.status_code == 422
    assert error(response) == ("invalid_gtin", ["GTIN '9506000134353' has check digit 3; expected 2"])
    created = register(api)
    assert created["serial_count"] == 3 and set(created["claim_codes"]) == {"A1", "A2", "A3"}
    response = api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers, json={"serials": ["B1", "B1", ""]})
    assert response.status_code == 422
    assert error(response) == ("invalid_serials", ["serial is empty", "duplicate serials: B1"])
    response = api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers,
                               json={"ranges": [{"first": 1, "last": 3, "prefix": "A"}]})
    assert response.status_code == 409 and error(response)[0] == "duplicate_serials"
    response = api.client.post("/v1/products", headers=api.other_brand.headers, json={"gtin": GTIN, "name": "clone"})
    assert response.status_code == 409 and error(response) == ("product_exists", [f"GTIN {GTIN} is already registered by another brand"])
    response = api.client.post(f"/v1/products/{GTIN}/serials", headers=api.other_brand.headers, json={"serials": ["X"]})
    assert response.status_code == 404
    (product_call, batch_call) = api.queued()
    assert product_call[0] == "registerProductClass" and product_call[1]["gtin"] == int(GTIN)
    assert product_call[1]["metadataCid"] != b""
    assert batch_call[0] == "registerSerialBatch" and batch_call[1]["serialCount"] == 3
    assert "0x" + batch_call[1]["serialsRoot"].hex() == created["serials_root"]
    assert {call["sender"] for call in api.outbox.calls} == {api.brand.address}


def test_qr_codes_encode_the_configured_digital_link(api):
    register(api)
    png = api.client.get(f"/v1/products/{GTIN}/A1/qr.png", headers=api.brand.headers)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert _decode(_png_rows(png.content)) == [f"https://id.brand.example/01/{GTIN}/21/A1"]
    svg = api.client.get(f"/v1/products/{GTIN}/A1/qr.svg", headers=api.brand.headers)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert f"<title>https://id.brand.example/01/{GTIN}/21/A1</title>".encode() in svg.content
    assert api.client.get(f"/v1/products/{GTIN}/NOPE/qr.svg", headers=api.brand.headers).status_code == 404
    assert api.client.get(f"/v1/products/{GTIN}/A1/qr.svg", headers=api.other_brand.headers).status_code == 404


def test_actors_post_events_only_for_brands_they_serve_and_bad_documents_get_reasons(api):
    register(api)
    response = post_events(api, shipping("A1", "commissioning"))
    assert response.status_code == 403 and error(response)[0] == "actor_not_authorised"
    authorise(api)
    assert api.queued()[-1] == ("authoriseActor", {"actor": api.actor.address})
    bad = shipping("A1", "teleporting", disposition="sparkling")
    bad["epcisBody"]["eventList"][0]["readPoint"] = {"id": "urn:epc:id:sgln:95.1"}
    bad["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "CET"
    response = post_events(api, bad)
    assert response.status_code == 422
    code, reasons = error(response)
    assert code == "invalid_epcis" and len(reasons) == 4 and all(r.startswith("event 0: ") for r in reasons)
    response = post_events(api, shipping("A9"))
    assert response.status_code == 422 and error(response) == (
        "events_rejected", [f"event 0: serial A9 of GTIN {GTIN} is not registered"]
    )
    response = post_events(api, shipping("A1", "commissioning"))
    assert response.status_code == 201
    (recorded,) = response.json()
    assert recorded["event_hash"].startswith("ni:///sha-256;") and recorded["status"] == "pending"
    assert post_events(api, shipping("A1", "commissioning")).status_code == 422  # already recorded
    assert post_events(api, shipping("A1"), brand=api.other_brand.participant_id).status_code == 403
    assert api.client.delete(f"/v1/products/actors/{api.actor.participant_id}", headers=api.brand.headers).status_code == 200
    assert api.queued()[-1] == ("revokeActor", {"actor": api.actor.address})
    assert post_events(api, shipping("A1", minutes=5)).status_code == 403


def test_digital_link_page_html_and_json_through_anchoring_claim_and_clone(api):
    created = register(api)
    authorise(api)
    page = api.client.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": PHONE})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Not verified" in page.text and page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for minutes, step in enumerate(["commissioning", "shipping", "receiving"]):
        assert post_events(api, shipping("A1", step, minutes * 60)).status_code == 201
    api.anchor_pending(block=5)
    page = api.client.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": PHONE})
    assert "Genuine" in page.text and page.text.count("Anchored in block 5") == 3
    data = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json", "User-Agent": PHONE}).json()
    assert data["verdict"] == "genuine" and data["brand"] == "Acme Watches"
    assert [(e["step"], e["status"]) for e in data["events"]] == [("Made", "anchored"), ("Shipped", "anchored"), ("Received", "anchored")]

    response = api.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": created["claim_codes"]["A2"]})
    assert response.status_code == 409 and error(response)[0] == "claim_rejected"
    response = api.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": created["claim_codes"]["A1"]})
    assert response.status_code == 200
    api.now = NOW + timedelta(days=3)
    data = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json", "User-Agent": PHONE}).json()
    assert data["verdict"] == "genuine" and data["claim"] == "Claimed by its buyer on 1 June 2026."
    response = api.client.post(f"/v1/products/{GTIN}/A1/claim", json={"code": created["claim_codes"]["A1"]})
    assert response.status_code == 409 and "already claimed on 1 June 2026" in error(response)[1][0]

    # Link previews from far away and reloads change nothing; a person in Japan an hour later does.
    with api.browser("198.51.100.7") as tokyo_bot:
        tokyo_bot.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
    with api.browser("192.0.2.5") as berlin:
        for _ in range(3):
            berlin.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": PHONE})
    assert api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}).json()["verdict"] == "genuine"
    api.now += timedelta(hours=1)
    with api.browser("198.51.100.8") as tokyo:
        data = tokyo.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json", "User-Agent": PHONE}).json()
    assert data["verdict"] == "suspicious" and "Germany and in Japan" in data["reason"]


def test_a_recall_on_chain_makes_every_item_suspicious(api):
    register(api)
    authorise(api)
    post_events(api, shipping("A1", "commissioning"))
    api.anchor_pending(block=6)
    assert api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}).json()["verdict"] == "genuine"
    api.recall_on_chain()
    data = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}).json()
    assert data["verdict"] == "suspicious" and "recalled" in data["reason"]


def test_events_wait_for_the_mirror_before_they_count_as_anchored(api):
    register(api)
    authorise(api)
    post_events(api, shipping("A1", "commissioning"))
    with Session(engine_for(api.settings.database_url)) as session:
        pending = build_pending_batch(
            session, actor_id=api.actor.participant_id, brand_id=api.brand.participant_id, nonce=1
        )
        pending.anchor.chain_batch_id = "0x" + "cd" * 32  # signed and sent, not yet seen on chain
        session.add(pending.anchor)
        session.commit()
    data = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}).json()
    assert data["verdict"] == "unverified" and data["events"][0]["status"] == "pending"


def test_recall_is_suspicious_and_unknown_serial_unverified(api):
    register(api)
    authorise(api)
    post_events(api, shipping("A2", "commissioning"))
    post_events(api, shipping("A2", "holding", 30, disposition="recalled"))
    api.anchor_pending(block=8)
    data = api.client.get(f"/01/{GTIN}/21/A2", headers={"Accept": "application/json"}).json()
    assert data["verdict"] == "suspicious" and "recalled" in data["reason"]
    data = api.client.get(f"/01/{GTIN}/21/ZZ9", headers={"Accept": "application/json"}).json()
    assert data["verdict"] == "unverified"
    assert api.client.get(f"/01/{GTIN[:-1]}3/21/A2").status_code == 400  # bad check digit: malformed


def test_ntag_taps_verify_and_a_replayed_url_is_suspicious(api):
    register(api)
    authorise(api)
    post_events(api, shipping("A3", "commissioning"))
    api.anchor_pending(block=4)
    uid = bytes.fromhex("04C0FFEE123480")
    with Session(engine_for(api.settings.database_url)) as session:
        register_tag(session, uid=uid, gtin14=GTIN, serial="A3")
        session.commit()
    keys = provenance_keys(api.settings).sun

    def open_tap(counter, mac=None):
        e, c = tap(keys, uid, counter)
        url = f"/01/{GTIN}/21/A3?e={e}&c={mac or c}"
        return api.client.get(url, headers={"Accept": "application/json"}).json()

    assert open_tap(10)["verdict"] == "genuine"
    assert open_tap(11)["verdict"] == "genuine"
    replayed = open_tap(11)
    assert replayed["verdict"] == "suspicious" and "used before" in replayed["reason"]
    forged = open_tap(12, mac="00" * 8)
    assert forged["verdict"] == "suspicious" and "not genuine" in forged["reason"]
