"""The counters move when the thing happens: events posted and filtered, a consent read refused, a scan."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.core.config import Settings
from backend.db.migrate import upgrade_database
from tests.ads.factories import BOT_AGENT, impression
from tests.observability.support import samples, value

EVENTS = "trustledger_ad_events_total"


def test_posted_events_count_as_accepted_filtered_by_reason_and_rejected(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    accepted = value(EVENTS, outcome="accepted", reason="")
    bots = value(EVENTS, outcome="filtered", reason="bot_user_agent")
    rejected = value(EVENTS, outcome="rejected", reason="invalid_event")
    response = ingest.post(
        publisher,
        [impression("a"), impression("b"), impression("c", user_agent=BOT_AGENT), {"event_id": "broken"}],
    )
    assert response.status_code == 202, response.text
    filtered = {f["reason"] for f in response.json()["filtered"]}
    assert filtered == {"bot_user_agent"}, response.json()
    assert value(EVENTS, outcome="accepted", reason="") == accepted + 2
    assert value(EVENTS, outcome="filtered", reason="bot_user_agent") == bots + 1
    assert value(EVENTS, outcome="rejected", reason="invalid_event") == rejected + len(response.json()["rejected"])
    assert len(response.json()["rejected"]) == 1
    # Duplicates are neither: posting the same ids again moves nothing.
    ingest.post(publisher, [impression("a")])
    assert value(EVENTS, outcome="accepted", reason="") == accepted + 2


def test_a_refused_consent_read_counts_as_refused(world):
    acme, _ = world.advertiser("Acme")
    refused = value("trustledger_consent_reads_total", outcome="refused", reason="no_active_consent")
    allowed = value("trustledger_consent_reads_total", outcome="allowed", reason="")
    response = world.read(acme, "0x" + "11" * 20)
    assert response.status_code == 403 and response.json()["error"]["code"] == "consent_required"
    assert value("trustledger_consent_reads_total", outcome="refused", reason="no_active_consent") == refused + 1
    assert value("trustledger_consent_reads_total", outcome="allowed", reason="") == allowed
    assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


def test_a_scan_counts_under_its_verdict(tmp_path):
    url = f"sqlite:///{tmp_path / 'scan.db'}"
    upgrade_database(url)
    settings = Settings(database_url=url, manifest_path=tmp_path / "none.json", content_store_url=str(tmp_path / "c"))
    api = TestClient(create_app(settings), client=("127.0.0.1", 5000), raise_server_exceptions=False)
    before = value("trustledger_provenance_scans_total", verdict="unverified")
    page = api.get("/01/09506000134352/21/A1", headers={"Accept": "application/json"})
    assert page.status_code == 200, page.text
    assert page.json()["verdict"] == "unverified"
    assert value("trustledger_provenance_scans_total", verdict="unverified") == before + 1
    exported = samples(api.get("/metrics").text)
    assert exported[("trustledger_provenance_scans_total", (("verdict", "unverified"),))] == before + 1
