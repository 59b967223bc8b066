import json
from pathlib import Path

import pytest

from backend.provenance.event_hash import EventHashError, event_hash, hash_digest, prehash_string, utc_millis

VECTORS = json.loads((Path(__file__).parent / "data" / "event_hash_vectors.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=lambda case: f"{case['source']}-{case['event']['type']}-{case['hash'][15:23]}")
def test_matches_the_published_and_reference_vectors(case):
    if "prehash" in case:
        assert prehash_string(case["event"], case["namespaces"]) == case["prehash"]
    assert event_hash(case["event"], case["namespaces"]) == case["hash"]


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
    assert event_hash(reordered, case["namespaces"]) == case["hash"]


def test_any_relevant_change_changes_the_hash():
    case = VECTORS[0]
    for field, value in [("disposition", "damaged"), ("eventTimeZoneOffset", "-05:00"), ("action", "ADD")]:
        changed = {**case["event"], field: value}
        assert event_hash(changed, case["namespaces"]) != case["hash"], field
    added = {**case["event"], "bizLocation": {"id": "urn:epc:id:sgln:0614141.07346.0"}}
    assert event_hash(added, case["namespaces"]) != case["hash"]


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
