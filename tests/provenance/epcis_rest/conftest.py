"""The API on SQLite with a brand, its product and serials, and an authorised actor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.provenance.test_api import GTIN, NOW, Harness, authorise, register

SERIALS = tuple(f"S{n}" for n in range(1, 41))


def event(serial: str, *, step: str = "shipping", minutes: int = 0, action: str = "OBSERVE", **extra) -> dict:
    return {
        "type": "ObjectEvent",
        "action": action,
        "bizStep": step,
        "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{serial}"],
        "eventTime": (NOW - timedelta(days=10) + timedelta(minutes=minutes)).isoformat(),
        "eventTimeZoneOffset": "+00:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
        **extra,
    }


def document(*events: dict) -> dict:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": NOW.isoformat(),
        "epcisBody": {"eventList": list(events)},
    }


@pytest.fixture
def api(tmp_path):
    harness = Harness(tmp_path)
    with harness.client:
        register(harness, SERIALS)
        authorise(harness)
        yield harness


def capture(api, doc, behaviour: str | None = None, identity=None):
    headers = dict((identity or api.actor).headers)
    if behaviour is not None:
        headers["GS1-Capture-Error-Behaviour"] = behaviour
    return api.client.post("/epcis/capture", headers=headers, json=doc)


def job(api, response, identity=None):
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    found = api.client.get(location, headers=(identity or api.actor).headers)
    assert found.status_code == 200, found.text
    return found.json()
