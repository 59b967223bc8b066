import json
from pathlib import Path

import pytest

from backend.provenance.event_hash import (
    CBV_2_0,
    TRUSTLEDGER_2025,
    EventHashError,
    event_hash,
    hash_digest,
    prehash_string,
    utc_millis,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "event_hash_vectors.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=lambda case: f"{case['source']}-{case['event']['type']}-{case['hash'][15:23]}")
def test_the_first_algorithm_still_gives_the_hashes_anchored_with_it(case):
    if "prehash" in case:
        assert prehash_string(case["event"], case["namespaces"], TRUSTLEDGER_2025) == case["prehash"]
    assert event_hash(case["event"], case["namespaces"], TRUSTLEDGER_2025) == case["hash"]


REFERENCE = Path(__file__).parent / "vectors"
EXPECTED = json.loads((REFERENCE / "expected.json").read_text())
REFERENCE_CASES = [
    (name, index)
    for name, expected in EXPECTED.items()
    for index in range(len(expected["hashes"]))
]


def _reference_event(name, index):
    document = json.loads((REFERENCE / name).read_text())
    body = document["epcisBody"]
    events = body["eventList"] if "eventList" in body else body["queryResults"]["resultsBody"]["eventList"]
    namespaces = {k: v for entry in document["@context"] if isinstance(entry, dict) for k, v in entry.items()}
    return events[index], namespaces


@pytest.mark.parametrize("name, index", REFERENCE_CASES, ids=[f"{n}-{i}" for n, i in REFERENCE_CASES])
def test_matches_the_reference_implementation_cbv_2_0_vectors(name, index):
    event, namespaces = _reference_event(name, index)
    expected = EXPECTED[name]
    if "prehashes" in expected:
        assert prehash_string(event, namespaces, CBV_2_0) == expected["prehashes"][index]
    assert event_hash(event, namespaces) == expected["hashes"][index]


def test_the_two_algorithms_differ_where_the_reference_orders_type_first():
    case = VECTORS[0]
    assert event_hash(case["event"], case["namespaces"], CBV_2_0) != case["hash"]
    with pytest.raises(EventHashError, match="unknown event hash algorithm"):
        event_hash(case["event"], case["namespaces"], "sha1-please")


def test_key_order_list_order_and_vocabulary_spelling_do_not_change_the_hash():
    case = VECTORS[0]
    event = case["event"]
    reordered = dict(reversed(list(event.items())))
    reordered["epcList"] = list(reversed(event["epcList"]))
    reordered["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    reordered["disposition"] = "https://ref.gs1.org/cbv/Disp-in_transit"
    reordered["bizTransactionList"] = [{"bizTransaction": "http://transaction.acme.com/po/12345678", "type": "po"}]
    reordered["eventID"] = "ni:///whatever"
    reordered["recordTime"] = "2030-01-01T00:00:00Z"
    assert event_hash(reordered, case["namespaces"], TRUSTLEDGER_2025) == case["hash"]
    assert event_hash(reordered, case["namespaces"]) == event_hash(case["event"], case["namespaces"])


def test_any_relevant_change_changes_the_hash():
    case = VECTORS[0]
    for field, value in [("disposition", "damaged"), ("eventTimeZoneOffset", "-05:00"), ("action", "ADD")]:
        changed = {**case["event"], field: value}
        assert event_hash(changed, case["namespaces"], TRUSTLEDGER_2025) != case["hash"], field
    added = {**case["event"], "bizLocation": {"id": "urn:epc:id:sgln:0614141.07346.0"}}
    assert event_hash(added, case["namespaces"], TRUSTLEDGER_2025) != case["hash"]


def test_timestamps_are_utc_milliseconds():
    assert utc_millis("2026-03-01T09:00:00+02:00") == "2026-03-01T07:00:00.000Z"
    assert utc_millis("2026-03-01T23:59:59.9996Z") == "2026-03-02T00:00:00.000Z"
    with pytest.raises(EventHashError):
        utc_millis("2026-03-01T09:00:00")


def test_digest_of_a_ni_uri():
    assert hash_digest(VECTORS[0]["hash"]).hex() == VECTORS[0]["hash"][14:78]
    with pytest.raises(EventHashError):
        hash_digest("sha256:abcd")


def test_an_event_without_type_cannot_be_hashed():
    with pytest.raises(EventHashError):
        event_hash({"eventTime": "2026-03-01T09:00:00Z"})


def test_every_reference_document_has_its_expected_hashes():
    documents = {path.name for path in REFERENCE.iterdir() if path.suffix in (".json", ".jsonld")} - {"expected.json"}
    assert documents == set(EXPECTED)
    assert len(EXPECTED) == 28 and len(REFERENCE_CASES) == 47


def test_a_comment_is_not_hashed():
    commented, namespaces = _reference_event("epcisDocHavingEventWithComment.jsonld", 0)
    plain, plain_namespaces = _reference_event("epcisQueryDocument.jsonld", 0)
    assert "rdfs:comment" in commented and event_hash(commented, namespaces) == event_hash(plain, plain_namespaces)
