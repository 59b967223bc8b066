"""GET /epcis/events and the top-level resources: every parameter filters, paging, problems."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.provenance.epcis_rest.conftest import capture, document, event, job
from tests.provenance.test_api import GTIN

SGTIN = "urn:epc:id:sgtin:9506000.013435.{}"  # the same items as the Digital Links (company prefix 7 digits)


@pytest.fixture
def stored(api):
    """Ten events: S1..S6 shipping (S1-S3 in_transit at location A), S7..S9 receiving, one with two items."""
    events = []
    for n in range(1, 7):
        extra = {"disposition": "in_transit", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00010.0"}} if n <= 3 else {}
        events.append(event(f"S{n}", minutes=n, **extra))
    for n in range(7, 10):
        events.append(event(f"S{n}", step="receiving", minutes=n, action="ADD",
                            readPoint={"id": "urn:epc:id:sgln:9506000.00020.1"}))
    events.append(event("S10", minutes=10, eventID="urn:uuid:7d0f9d4c-6a2e-4b1e-9a68-3c0e3bb20a01",
                        epcList=[f"https://id.gs1.org/01/{GTIN}/21/S10", f"https://id.gs1.org/01/{GTIN}/21/S11"]))
    body = job(api, capture(api, document(*events)))
    assert body["success"], body
    return api


def query(api, path="/epcis/events", identity=None, **params):
    response = api.client.get(path, headers=(identity or api.actor).headers, params=params)
    assert response.status_code == 200, response.text
    return response


def events_of(response) -> list[dict]:
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def serials(response) -> list[str]:
    return [e["epcList"][0].rsplit("/", 1)[1] for e in events_of(response)]


def count(api, **params) -> int:
    return len(events_of(query(api, perPage="1000", **params)))


def test_every_query_parameter_filters(stored):
    api = stored
    assert count(api) == 10
    assert count(api, eventType="ObjectEvent") == 10
    assert count(api, eventType="AggregationEvent") == 0
    assert count(api, EQ_bizStep="shipping") == 7
    assert count(api, EQ_bizStep="urn:epcglobal:cbv:bizstep:receiving") == 3
    assert count(api, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-receiving|shipping") == 10
    assert count(api, EQ_disposition="in_transit") == 3
    assert count(api, EQ_action="ADD") == 3
    assert count(api, EQ_action="OBSERVE") == 7
    assert count(api, EQ_readPoint="urn:epc:id:sgln:9506000.00020.1") == 3
    assert count(api, EQ_bizLocation="urn:epc:id:sgln:9506000.00010.0") == 3
    assert count(api, MATCH_epc=f"https://id.gs1.org/01/{GTIN}/21/S4") == 1
    assert count(api, MATCH_epc=SGTIN.format("S4") + "|" + SGTIN.format("S5")) == 2  # EPC URNs find Digital Links
    assert count(api, MATCH_anyEPC=SGTIN.format("S11")) == 1
    assert count(api, MATCH_epcClass=f"https://id.gs1.org/01/{GTIN}") == 0
    assert count(api, EQ_eventID="urn:uuid:7d0f9d4c-6a2e-4b1e-9a68-3c0e3bb20a01") == 1
    first = events_of(query(api, MATCH_epc=SGTIN.format("S1")))[0]
    assert count(api, EQ_eventID=first["eventID"]) == 1  # the hash is the eventID of an event without one
    assert first["eventID"].startswith("ni:///sha-256;") and first["recordTime"].endswith("Z")
    early = "2026-05-22T12:04:00+00:00"  # NOW - 10 days + 4 minutes
    assert count(api, GE_eventTime=early) == 7 and count(api, LT_eventTime=early) == 3
    assert count(api, GE_eventTime=early, LT_eventTime="2026-05-22T12:07:00Z") == 3
    assert count(api, GE_recordTime="2000-01-01T00:00:00Z") == 10 and count(api, LT_recordTime="2000-01-01T00:00:00Z") == 0
    assert count(api, EQ_bizStep="shipping", EQ_disposition="in_transit", MATCH_anyEPC=SGTIN.format("S2")) == 1
    assert count(api, eventCountLimit="4") == 4


def test_order_and_paging_with_next_page_token_and_link_header(stored):
    api = stored
    assert serials(query(api, orderBy="eventTime", orderDirection="ASC", perPage="3")) == ["S1", "S2", "S3"]
    assert serials(query(api, orderBy="eventTime", perPage="2")) == ["S10", "S9"]  # DESC by default
    seen, params, pages = [], {"orderBy": "eventTime", "orderDirection": "ASC", "perPage": "4"}, 0
    response = query(api, **params)
    while True:
        pages += 1
        seen += serials(response)
        link = response.headers.get("link")
        if link is None:
            break
        assert link.startswith("<http://testserver/epcis/events?") and link.endswith('>; rel="next"')
        assert "perPage=4" in link and "orderDirection=ASC" in link
        response = api.client.get(link[1:link.index(">")], headers=api.actor.headers)
        assert response.status_code == 200
    assert pages == 3 and seen == [f"S{n}" for n in range(1, 11)]
    # eventCountLimit spans pages.
    response = query(api, orderBy="recordTime", orderDirection="ASC", perPage="2", eventCountLimit="3")
    token_link = response.headers["link"]
    second = api.client.get(token_link[1:token_link.index(">")], headers=api.actor.headers)
    assert len(events_of(second)) == 1 and "link" not in second.headers


@pytest.mark.parametrize(
    "params, word",
    [
        ({"eventType": "Blob"}, "eventType"),
        ({"GE_eventTime": "yesterday"}, "GE_eventTime"),
        ({"GE_eventTime": "2026-01-01T00:00:00"}, "time zone"),
        ({"EQ_action": "MOVE"}, "EQ_action"),
        ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:teleporting"}, "EQ_bizStep"),
        ({"MATCH_epc": "urn:epc:id:sgtin:9506000.013435"}, "MATCH_epc"),
        ({"orderBy": "bizStep"}, "orderBy"),
        ({"orderDirection": "UP"}, "orderDirection"),
        ({"perPage": "0"}, "perPage"),
        ({"perPage": "100000"}, "perPage"),
        ({"eventCountLimit": "-1"}, "eventCountLimit"),
        ({"nextPageToken": "garbage!"}, "nextPageToken"),
        ({"EQ_colour": "red"}, "EQ_colour"),
    ],
)
def test_bad_parameters_are_query_parameter_exceptions(stored, params, word):
    response = stored.client.get("/epcis/events", headers=stored.actor.headers, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "epcisException:QueryParameterException" and problem["status"] == 400
    assert word in problem["detail"] and problem["instance"] == "/epcis/events"


def test_max_event_count_too_large(stored):
    response = stored.client.get("/epcis/events", headers=stored.actor.headers, params={"maxEventCount": "5"})
    assert response.status_code == 413 and response.json()["type"] == "epcisException:QueryTooLargeException"
    assert count(stored, maxEventCount="10") == 10


def test_one_event_and_top_level_resources(stored):
    api = stored
    first = events_of(query(api, MATCH_epc=SGTIN.format("S1")))[0]
    one = query(api, "/epcis/events/" + quote(first["eventID"], safe=""))
    assert one.json()["eventID"] == first["eventID"] and one.json()["@context"]
    missing = api.client.get("/epcis/events/urn:uuid:nothing", headers=api.actor.headers)
    assert missing.status_code == 404 and missing.json()["type"] == "epcisException:NoSuchResourceException"
    epc = quote(f"https://id.gs1.org/01/{GTIN}/21/S11", safe="")
    assert len(events_of(query(api, f"/epcis/epcs/{epc}/events"))) == 1
    assert len(events_of(query(api, f"/epcis/epcs/{quote(SGTIN.format('S3'), safe='')}/events"))) == 1
    assert query(api, "/epcis/eventTypes").json()["member"][0] == "ObjectEvent"
    assert len(events_of(query(api, "/epcis/eventTypes/ObjectEvent/events", perPage="100"))) == 10
    assert api.client.get("/epcis/eventTypes/Blob/events", headers=api.actor.headers).status_code == 404
    assert query(api, "/epcis/bizSteps").json()["member"] == ["receiving", "shipping"]
    assert len(events_of(query(api, "/epcis/bizSteps/receiving/events"))) == 3
    assert query(api, "/epcis/dispositions").json()["member"] == ["in_transit"]
    assert query(api, "/epcis/readPoints").json()["member"] == ["urn:epc:id:sgln:9506000.00010.1",
                                                                "urn:epc:id:sgln:9506000.00020.1"]
    assert query(api, "/epcis/bizLocations").json()["member"] == ["urn:epc:id:sgln:9506000.00010.0"]
    assert len(events_of(query(api, "/epcis/readPoints/urn:epc:id:sgln:9506000.00020.1/events"))) == 3
    assert api.client.get("/epcis/nothing", headers=api.actor.headers).json()["type"] == "epcisException:NoSuchResourceException"


def test_headers_media_types_scopes_and_cors(stored):
    api = stored
    response = query(api)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["gs1-epcis-version"] == "2.0.0" and response.headers["gs1-epcis-max"] == "2.0.0"
    ld = api.client.get("/epcis/events", headers={**api.actor.headers, "Accept": "application/ld+json"})
    assert ld.headers["content-type"] == "application/ld+json"
    assert count(api, identity=api.brand) == 10  # the brand sees its products' events
    assert len(events_of(query(api, identity=api.other_brand))) == 0
    unauthenticated = api.client.get("/epcis/events")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["type"] == "epcisException:SecurityException"
    preflight = api.client.options("/epcis/events", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    cors = api.client.get("/epcis/events", headers={**api.actor.headers, "Origin": "https://app.example"})
    assert cors.headers["access-control-allow-origin"] == "*" and "Link" in cors.headers["access-control-expose-headers"]
    closed = api.client.get("/v1/products/actors", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in closed.headers
