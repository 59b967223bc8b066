"""The brand console's reads: catalogue, serial pages, a serial's history with anchoring status, scans."""

from __future__ import annotations

from datetime import timedelta

from eth_utils import to_checksum_address
from sqlmodel import Session

from backend.core.db import engine_for
from backend.provenance.gtin import with_check_digit
from indexer.models import ProductBatch as ChainBatch
from tests.provenance.test_api import (  # noqa: F401  (api is a fixture)
    GTIN, NOW, PHONE, REGISTRY, api, authorise, error, post_events, register, shipping,
)


def test_a_brand_lists_its_own_products_with_batches_and_nothing_of_others(api):
    assert api.client.get("/v1/products", headers=api.brand.headers).json() == []
    register(api)
    api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers,
                    json={"ranges": [{"first": 1, "last": 250, "width": 4, "prefix": "B"}]})
    (product,) = api.client.get("/v1/products", headers=api.brand.headers).json()
    assert product["gtin"] == GTIN and product["name"] == "Chronograph 42" and product["serial_count"] == 253
    assert [(b["serial_count"], b["first_serial"], b["last_serial"], b["claimed"], b["registered_on_chain"])
            for b in product["batches"]] == [(3, "A1", "A3", 0, False), (250, "B0001", "B0250", 0, False)]
    assert api.client.get("/v1/products", headers=api.other_brand.headers).json() == []
    assert api.client.get("/v1/products", headers=api.actor.headers).status_code == 403
    assert api.client.get("/v1/products").status_code == 401


def test_serials_are_paged_in_order_per_batch(api):
    register(api)
    api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers,
                    json={"ranges": [{"first": 1, "last": 5, "width": 2, "prefix": "B"}]})
    batch = api.client.get("/v1/products", headers=api.brand.headers).json()[0]["batches"][1]["batch_id"]
    first = api.client.get(f"/v1/products/{GTIN}/serials?batch={batch}&limit=3", headers=api.brand.headers).json()
    assert [s["serial"] for s in first["serials"]] == ["B01", "B02", "B03"] and first["next_after"] == "B03"
    rest = api.client.get(f"/v1/products/{GTIN}/serials?batch={batch}&limit=3&after=B03", headers=api.brand.headers).json()
    assert [s["serial"] for s in rest["serials"]] == ["B04", "B05"] and rest["next_after"] is None
    everything = api.client.get(f"/v1/products/{GTIN}/serials", headers=api.brand.headers).json()
    assert len(everything["serials"]) == 8
    response = api.client.get(f"/v1/products/{GTIN}/serials?limit=0", headers=api.brand.headers)
    assert response.status_code == 422
    response = api.client.get(f"/v1/products/{GTIN}/serials", headers=api.other_brand.headers)
    assert response.status_code == 404 and error(response)[0] == "not_found"


def test_a_serials_history_marks_pending_events_until_anchored(api):
    register(api)
    authorise(api)
    assert api.client.get(f"/v1/products/{GTIN}/A1/history", headers=api.brand.headers).json() == []
    post_events(api, shipping("A1", "commissioning"))
    api.anchor_pending(block=7)
    post_events(api, shipping("A1", "shipping", 60))
    history = api.client.get(f"/v1/products/{GTIN}/A1/history", headers=api.brand.headers).json()
    assert [(h["biz_step"], h["anchor_status"], h["anchored_block"]) for h in history] == [
        ("commissioning", "anchored", 7), ("shipping", "pending", None)]
    assert history[0]["event_hash"].startswith("ni:///sha-256;")
    assert api.client.get(f"/v1/products/{GTIN}/A2/history", headers=api.brand.headers).json() == []
    assert api.client.get(f"/v1/products/{GTIN}/NOPE/history", headers=api.brand.headers).status_code == 404
    assert api.client.get(f"/v1/products/{GTIN}/A1/history", headers=api.other_brand.headers).status_code == 404


def test_scan_analytics_count_people_per_day_flag_clones_and_list_claims(api):
    created = register(api)
    with api.browser("192.0.2.5") as berlin:
        berlin.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": PHONE})
        berlin.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
        berlin.get(f"/01/{GTIN}/21/FAKE1", headers={"User-Agent": PHONE})
    api.client.post(f"/v1/products/{GTIN}/A2/claim", json={"code": created["claim_codes"]["A2"]})
    api.now = NOW + timedelta(hours=1)
    with api.browser("198.51.100.8") as tokyo:
        tokyo.get(f"/01/{GTIN}/21/A1", headers={"User-Agent": PHONE})
    api.now = NOW + timedelta(days=1)
    with api.browser("192.0.2.5") as berlin:
        berlin.get(f"/01/{GTIN}/21/A3", headers={"User-Agent": PHONE})
    data = api.client.get(f"/v1/products/{GTIN}/scans?days=7", headers=api.brand.headers).json()
    assert data["since"] == "2026-05-27" and data["until"] == "2026-06-02" and len(data["days"]) == 7
    assert [(d["day"], d["scans"], d["previews"]) for d in data["days"] if d["scans"] or d["previews"]] == [
        ("2026-06-01", 3, 1), ("2026-06-02", 1, 0)]
    signals = {s["serial"]: s for s in data["clone_signals"]}
    assert set(signals) == {"A1", "FAKE1"}
    assert signals["FAKE1"]["registered"] is False
    assert signals["A1"]["registered"] and signals["A1"]["distinct_clients"] == 2
    assert "Germany" in signals["A1"]["far_apart"] and "Japan" in signals["A1"]["far_apart"]
    assert data["claimed_total"] == 1 and [c["serial"] for c in data["claims"]] == ["A2"]
    assert api.client.get(f"/v1/products/{GTIN}/scans?days=0", headers=api.brand.headers).status_code == 422
    assert api.client.get(f"/v1/products/{GTIN}/scans", headers=api.other_brand.headers).status_code == 404


def test_a_recall_is_queued_on_chain_with_the_brand_as_sender_and_only_for_its_own_product(api):
    register(api)
    assert api.client.get("/v1/products", headers=api.brand.headers).json()[0]["recall"] == "none"
    assert api.client.post(f"/v1/products/{GTIN}/recall", headers=api.other_brand.headers).status_code == 404
    assert api.client.post(f"/v1/products/{GTIN}/recall", headers=api.actor.headers).status_code == 403
    assert api.client.post(f"/v1/products/{GTIN}/recall").status_code == 401
    before = len(api.outbox.calls)
    response = api.client.post(f"/v1/products/{GTIN}/recall", headers=api.brand.headers)
    assert response.status_code == 202 and response.json() == {"gtin": GTIN, "recall": "requested"}
    (call,) = api.outbox.calls[before:]
    assert call["kind"] == "ProvenanceRegistry.setProductClassRecall" and call["sender"] == api.brand.address
    assert call["reference"] == f"recall:{GTIN}"
    response = api.client.post("/v1/products/12345/recall", headers=api.brand.headers)
    assert response.status_code == 404 and error(response)[0] == "not_found"


def test_a_product_the_chain_recalled_lists_as_recalled_and_is_not_recalled_twice(api):
    register(api)
    api.recall_on_chain()  # the mirror's row, as the indexer writes it
    assert api.client.get("/v1/products", headers=api.brand.headers).json()[0]["recall"] == "recalled"
    before = len(api.outbox.calls)
    response = api.client.post(f"/v1/products/{GTIN}/recall", headers=api.brand.headers)
    assert response.status_code == 409 and error(response)[0] == "already_recalled", response.text
    assert len(api.outbox.calls) == before


def test_a_serial_batch_is_registered_once_the_mirror_has_its_root(api):
    created = register(api)
    api.client.post(f"/v1/products/{GTIN}/serials", headers=api.brand.headers, json={"serials": ["B1"]})
    assert [b["registered_on_chain"] for b in api.client.get("/v1/products", headers=api.brand.headers).json()[0]["batches"]] == [False, False]
    with Session(engine_for(api.settings.database_url)) as session:  # SerialBatchRegistered, as the indexer writes it
        session.add(ChainBatch(contract=to_checksum_address(REGISTRY), serial_batch_id=1, gtin=int(GTIN), brand=api.brand.address,
                               serials_root=created["serials_root"], serial_count=3, metadata_cid="0x", registered_block=3,
                               updated_block=3))
        session.commit()
    (product,) = api.client.get("/v1/products", headers=api.brand.headers).json()
    assert [(b["first_serial"], b["registered_on_chain"]) for b in product["batches"]] == [("A1", True), ("B1", False)]


def test_the_catalogue_is_paged_newest_first_and_page_sizes_are_bounded(api):
    gtins = []
    for n in range(5):
        gtin = with_check_digit(f"950600013{n:03d}")
        response = api.client.post("/v1/products", headers=api.brand.headers, json={"gtin": gtin, "name": f"Model {n}"})
        assert response.status_code == 201, response.text
        gtins.append(response.json()["gtin"])
    everything = [p["gtin"] for p in api.client.get("/v1/products", headers=api.brand.headers).json()]
    assert sorted(everything) == sorted(gtins) and everything[0] == gtins[-1], "newest first"
    pages = [[p["gtin"] for p in api.client.get(f"/v1/products?limit=2&offset={offset}", headers=api.brand.headers).json()]
             for offset in (0, 2, 4, 6)]
    assert [len(page) for page in pages] == [2, 2, 1, 0] and sum(pages, []) == everything
    for bad in ("limit=0", "limit=501", "offset=-1"):
        response = api.client.get(f"/v1/products?{bad}", headers=api.brand.headers)
        assert response.status_code == 422, (bad, response.text)
