"""POST /epcis/capture: jobs, rollback and proceed, limits, and events stored like /v1/products/events."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.core.db import engine_for
from backend.provenance.models import CaptureJob, EpcisEvent, EpcisEventEpc
from tests.provenance.epcis_rest.conftest import capture, document, event, job
from tests.provenance.test_api import GTIN


def _stored(api) -> list[EpcisEvent]:
    with Session(engine_for(api.settings.database_url)) as session:
        return list(session.exec(select(EpcisEvent).order_by(EpcisEvent.id)))


def test_capture_answers_202_with_a_finished_job_and_the_events_are_stored_hashed_and_pending(api):
    response = capture(api, document(event("S1"), event("S2", step="receiving", minutes=5)))
    assert response.status_code == 202
    assert response.headers["location"].startswith("/epcis/capture/")
    assert response.headers["gs1-epcis-version"] == "2.0.0" and response.headers["gs1-cbv-version"] == "2.0.0"
    assert response.headers["gs1-epcis-capture-limit"] == "1000"
    body = job(api, response)
    assert body["running"] is False and body["success"] is True and body["errors"] == []
    assert body["captureErrorBehaviour"] == "rollback" and body["recordedCount"] == 2
    rows = _stored(api)
    assert [row.biz_step for row in rows] == ["shipping", "receiving"]
    assert all(row.event_hash.startswith("ni:///sha-256;") and row.anchor_batch_id is None for row in rows)
    assert all(row.hash_algorithm == "cbv-2.0" and row.action == "OBSERVE" for row in rows)
    with Session(engine_for(api.settings.database_url)) as session:
        epcs = session.exec(select(EpcisEventEpc.epc)).all()
    assert sorted(epcs) == [f"https://id.gs1.org/01/{GTIN}/21/S1", f"https://id.gs1.org/01/{GTIN}/21/S2"]
    listed = api.client.get("/epcis/capture", headers=api.actor.headers).json()
    assert [entry["captureID"] for entry in listed] == [body["captureID"]]


def test_the_same_hash_as_the_v1_route(api):
    from tests.provenance.test_api import post_events

    captured = job(api, capture(api, document(event("S1"))))
    assert captured["success"]
    (stored,) = _stored(api)
    response = post_events(api, document(event("S1")))  # the same event again, through /v1
    assert response.status_code == 422 and stored.event_hash in response.text


def test_rollback_stores_nothing_when_one_event_is_invalid(api):
    bad = event("S2", step="teleporting")
    body = job(api, capture(api, document(event("S1"), bad, event("S3"))))
    assert body["success"] is False and body["recordedCount"] == 0
    assert [error["eventIndex"] for error in body["errors"]] == [1]
    assert body["errors"][0]["type"] == "epcisException:ValidationException"
    assert body["errors"][0]["pointer"] == "/epcisBody/eventList/1/bizStep"
    assert _stored(api) == []
    body = job(api, capture(api, document(event("S1"), event("NOPE"), event("S3")), "rollback"))
    assert body["success"] is False and [e["eventIndex"] for e in body["errors"]] == [1]
    assert "NOPE" in body["errors"][0]["detail"] and _stored(api) == []


def test_proceed_stores_the_valid_events_and_lists_the_others_by_index(api):
    doc = document(event("S1"), event("S2", step="teleporting"), event("NOPE"), event("S4"), event("S1"))
    body = job(api, capture(api, doc, "proceed"))
    assert body["success"] is False and body["captureErrorBehaviour"] == "proceed"
    assert body["recordedCount"] == 2
    assert [error["eventIndex"] for error in body["errors"]] == [1, 2, 4]
    assert "already recorded" in body["errors"][2]["detail"]
    assert len(_stored(api)) == 2


def test_an_actor_that_does_not_serve_the_brand_stores_nothing(api):
    from backend.identity.roles import Role
    from tests.api.support import create_identity

    stranger = create_identity(api.settings.database_url, Role.SUPPLY_CHAIN_ACTOR, name="Stranger")
    body = job(api, capture(api, document(event("S1")), identity=stranger), identity=stranger)
    assert body["success"] is False and body["errors"][0]["type"] == "epcisException:SecurityException"
    assert _stored(api) == []
    # Another actor's job is not found, with the binding's problem body.
    other = api.client.get(f"/epcis/capture/{body['captureID']}", headers=api.actor.headers)
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "epcisException:NoSuchResourceException"


def test_limits_are_advertised_and_enforced_with_413(api, tmp_path):
    api.settings.epcis_capture_limit = 2
    response = capture(api, document(event("S1"), event("S2"), event("S3")))
    assert response.status_code == 413 and response.headers["gs1-epcis-capture-limit"] == "1000"  # header set at start
    problem = response.json()
    assert problem["type"] == "epcisException:CaptureLimitExceededException" and problem["status"] == 413
    assert "3 events" in problem["detail"]
    api.settings.epcis_capture_limit = 1000
    api.settings.epcis_capture_file_size_limit = 1024
    response = capture(api, document(*[event(f"S{n}") for n in range(1, 10)]))
    assert response.status_code == 413 and "GS1-EPCIS-Capture-File-Size-Limit" in response.json()["detail"]
    assert _stored(api) == []
    with Session(engine_for(api.settings.database_url)) as session:
        assert session.exec(select(CaptureJob)).all() == []  # refused before any job was opened


def test_bad_requests_are_problems(api):
    response = api.client.post("/epcis/capture", headers={**api.actor.headers, "content-type": "application/json"},
                               content=b"{not json")
    assert response.status_code == 400 and response.json()["type"] == "epcisException:ValidationException"
    response = capture(api, document(event("S1")), "ignore")
    assert response.status_code == 400 and "GS1-Capture-Error-Behaviour" in response.json()["detail"]
    response = capture(api, {"type": "EPCISDocument"})
    assert response.status_code == 400
    response = api.client.post("/epcis/capture", json=document(event("S1")))
    assert response.status_code == 401 and response.json()["type"] == "epcisException:SecurityException"
    response = api.client.post("/epcis/capture", headers=api.brand.headers, json=document(event("S1")))
    assert response.status_code == 403 and response.json()["type"] == "epcisException:SecurityException"
