"""Layer 1 of document validation: the official EPCIS 2.0 JSON schema (backend/provenance/epcis_schema.py)."""

import copy
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import fastjsonschema
import pytest

from backend.provenance.epcis import InvalidEpcis, parse_events
from backend.provenance.epcis_schema import SCHEMA_PATH, _conforms, _fast, document_validator, event_validator, schema_problems

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
VECTORS = Path(__file__).parent / "vectors"
DOCUMENTS = sorted(path.name for path in VECTORS.iterdir() if path.suffix in (".json", ".jsonld") and path.name != "expected.json")
# These two reference documents name experimental JSON-LD contexts (personal github.io drafts)
# instead of the EPCIS 2.0 context: the schema accepts them, the project's context rule refuses them.
DRAFT_CONTEXTS = {"masterDataAvailableForIncludingGS1DEWebVoc.jsonld", "masterDataAvailableForWithVeryMixedVoc.jsonld"}
EVENTS = "/epcisBody/eventList"


def test_the_shipped_schema_is_the_official_file_unchanged():
    text = SCHEMA_PATH.read_text()
    assert len(text) == 46755 and json.loads(text)["$id"] == "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_reference_document_conforms_to_the_schema(name):
    assert schema_problems(json.loads((VECTORS / name).read_text())) == []


@pytest.mark.parametrize("name", [name for name in DOCUMENTS if name not in DRAFT_CONTEXTS])
def test_every_reference_document_is_accepted(name):
    document = json.loads((VECTORS / name).read_text())
    body = document["epcisBody"]
    expected = len(body["eventList"] if "eventList" in body else body["queryResults"]["resultsBody"]["eventList"])
    assert len(parse_events(document, NOW)) == expected


@pytest.mark.parametrize("name", sorted(DRAFT_CONTEXTS))
def test_documents_on_draft_contexts_are_refused_only_for_their_context(name):
    with pytest.raises(InvalidEpcis) as refused:
        parse_events(json.loads((VECTORS / name).read_text()), NOW)
    assert all("is not the EPCIS 2.0 context" in reason for reason in refused.value.reasons)


def document(**event_changes):
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:15:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "epcList": ["urn:epc:id:sgtin:9506000.013435.A100"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
    }
    event.update(event_changes)
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T09:00:00Z",
        "epcisBody": {"eventList": [shipping_event(), {key: value for key, value in event.items() if value is not None}]},
    }


def shipping_event():
    return {
        "type": "ObjectEvent", "eventTime": "2026-03-01T08:00:00Z", "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:9506000.013435.A101"], "action": "OBSERVE", "bizStep": "shipping",
    }


def test_the_base_document_is_accepted():
    assert len(parse_events(document(), NOW)) == 2


SENSOR = {"sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL"}]}
# One bad document per schema rule: (what changes in event 1, pointer of the refused field, words of the reason).
EVENT_RULES = [
    ("eventTime", {"eventTime": None}, "", "'eventTime' is a required property"),
    ("eventTimeZoneOffset", {"eventTimeZoneOffset": "+15:00"}, "/eventTimeZoneOffset", "does not match"),
    ("action value", {"action": "UPDATE"}, "/action", "is not one of"),
    ("action required", {"action": None}, "", "'action' is a required property"),
    ("ilmd needs ADD", {"ilmd": {"ex:lot": "L1"}}, "/ilmd", "should not be valid"),
    ("what an ObjectEvent observes", {"epcList": None}, "", "'epcList' is a required property"),
    ("readPoint id", {"readPoint": {"name": "dock"}}, "/readPoint", "'id' is a required property"),
    ("bizTransaction", {"bizTransactionList": [{"type": "po"}]}, "/bizTransactionList/0", "'bizTransaction' is a required property"),
    ("source type", {"sourceList": [{"source": "urn:epc:id:pgln:9506000.00000"}]}, "/sourceList/0", "'type' is a required property"),
    ("source fields", {"sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:9506000.00000", "x": 1}]},
     "/sourceList/0", "Additional properties are not allowed"),
    ("destination", {"destinationList": [{"type": "location"}]}, "/destinationList/0", "'destination' is a required property"),
    ("quantity uom", {"epcList": None, "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.L1", "quantity": 2, "uom": "kilogram"}]},
     "/quantityList/0/uom", "does not match"),
    ("quantity number", {"epcList": None, "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.L1", "quantity": "2"}]},
     "/quantityList/0/quantity", "is not of type 'number'"),
    ("quantity epcClass", {"epcList": None, "quantityList": [{"quantity": 2}]}, "/quantityList/0", "'epcClass' is a required property"),
    ("sensorReport list", {"sensorElementList": [{"sensorMetadata": {}}]}, "/sensorElementList/0", "'sensorReport' is a required property"),
    ("sensorReport type", {"sensorElementList": [{"sensorReport": [{"value": 4.5}]}]}, "/sensorElementList/0/sensorReport/0",
     "'type' is a required property"),
    ("sensor value", {"sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": "warm"}]}]},
     "/sensorElementList/0/sensorReport/0/value", "is not of type 'number'"),
    ("sensor hexBinaryValue", {"sensorElementList": [{"sensorReport": [{"type": "Temperature", "hexBinaryValue": "xyz"}]}]},
     "/sensorElementList/0/sensorReport/0/hexBinaryValue", "does not match"),
    ("sensor booleanValue", {"sensorElementList": [{"sensorReport": [{"type": "Temperature", "booleanValue": "yes"}]}]},
     "/sensorElementList/0/sensorReport/0/booleanValue", "is not of type 'boolean'"),
    ("errorDeclaration time", {"errorDeclaration": {"reason": "incorrect_data"}}, "/errorDeclaration", "'declarationTime' is a required property"),
    ("persistentDisposition", {"persistentDisposition": {"set": "completeness_verified"}}, "/persistentDisposition/set", "is not of type 'array'"),
    ("epcList of strings", {"epcList": [12]}, "/epcList/0", "is not of type 'string'"),
]


@pytest.mark.parametrize("changes, pointer, words", [rule[1:] for rule in EVENT_RULES], ids=[rule[0] for rule in EVENT_RULES])
def test_each_schema_rule_refuses_with_the_event_index_and_the_field(changes, pointer, words):
    with pytest.raises(InvalidEpcis) as refused:
        parse_events(document(**changes), NOW)
    schema = [problem for problem in refused.value.problems if problem.message.startswith("schema: ")]
    assert schema, refused.value.reasons
    assert any(problem.event == 1 and problem.pointer == f"{EVENTS}/1{pointer}" and words in problem.message for problem in schema), [
        problem.as_dict() for problem in schema
    ]
    assert all(reason.startswith("event 1: ") for reason in refused.value.reasons)


def event_of_type(event_type, **fields):
    event = {"type": event_type, "eventTime": "2026-03-01T08:00:00Z", "eventTimeZoneOffset": "+00:00", **fields}
    return {key: value for key, value in event.items() if value is not None}


TYPE_RULES = [
    ("TransactionEvent bizTransactionList", event_of_type("TransactionEvent", action="ADD", epcList=["urn:epc:id:sgtin:9506000.013435.A1"]),
     "'bizTransactionList' is a required property"),
    ("AssociationEvent parentID", event_of_type("AssociationEvent", action="ADD", childEPCs=["urn:epc:id:giai:9506000.1"]),
     "'parentID' is a required property"),
    ("AggregationEvent children", event_of_type("AggregationEvent", action="ADD", parentID="urn:epc:id:sscc:9506000.0000000001"),
     "'childEPCs' is a required property"),
    ("TransformationEvent outputs", event_of_type("TransformationEvent", inputEPCList=["urn:epc:id:sgtin:9506000.013435.A1"]),
     "'transformationID' is a required property"),
]


@pytest.mark.parametrize("event, words", [rule[1:] for rule in TYPE_RULES], ids=[rule[0] for rule in TYPE_RULES])
def test_each_event_type_rule_of_the_schema_refuses(event, words):
    body = document()
    body["epcisBody"]["eventList"][1] = event
    found = schema_problems(body)
    assert any(index == 1 and pointer == f"{EVENTS}/1" and words in message for index, pointer, message in found), found


DOCUMENT_RULES = [
    ("creationDate", lambda body: body.pop("creationDate"), "", "'creationDate' is a required property"),
    ("schemaVersion", lambda body: body.pop("schemaVersion"), "", "'schemaVersion' is a required property"),
    ("@context", lambda body: body.pop("@context"), "", "'@context' is a required property"),
    ("@context unique", lambda body: body["@context"].append(body["@context"][0]), "/@context", "schema: "),
    ("eventList", lambda body: body["epcisBody"].pop("eventList"), "/epcisBody", "'eventList' is a required property"),
]


@pytest.mark.parametrize("change, pointer, words", [rule[1:] for rule in DOCUMENT_RULES], ids=[rule[0] for rule in DOCUMENT_RULES])
def test_each_document_rule_of_the_schema_refuses_without_an_event_index(change, pointer, words):
    body = document()
    change(body)
    found = schema_problems(body)
    assert any(index is None and at == pointer and words in message for index, at, message in found), found
    with pytest.raises(InvalidEpcis):
        parse_events(body, NOW)


def test_a_query_document_needs_its_query_results():
    body = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISQueryDocument",
            "schemaVersion": "2.0", "creationDate": "2026-03-01T09:00:00Z", "epcisBody": {"eventList": [shipping_event()]}}
    assert (None, "/epcisBody", "schema: 'queryResults' is a required property") in schema_problems(body)
    good = {**body, "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": [shipping_event()]}}}}
    assert schema_problems(good) == [] and len(parse_events(good, NOW)) == 1
    bad = copy.deepcopy(good)
    bad["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["action"] = "MOVE"
    with pytest.raises(InvalidEpcis) as refused:
        parse_events(bad, NOW)
    assert refused.value.problems[0].event == 0
    assert refused.value.problems[0].pointer == "/epcisBody/queryResults/resultsBody/eventList/0/action"


def test_schema_and_project_rules_are_reported_together_without_repeating_a_field():
    body = document(eventTimeZoneOffset="CET", bizStep="teleporting", readPoint={"id": "urn:epc:id:sgln:95.1"})
    with pytest.raises(InvalidEpcis) as refused:
        parse_events(body, NOW)
    by_pointer = {problem.pointer: problem.message for problem in refused.value.problems}
    assert by_pointer[f"{EVENTS}/1/eventTimeZoneOffset"].startswith("schema: ")
    assert "teleporting" in by_pointer[f"{EVENTS}/1/bizStep"] and f"{EVENTS}/1/readPoint/id" in by_pointer
    assert len(refused.value.problems) == 3


def test_deviations_quantity_is_optional_and_trustledger_shapes_need_no_header():
    optional_quantity = document(epcList=None, quantityList=[{"epcClass": "urn:epc:class:lgtin:9506000.013435.L1"}])
    assert schema_problems(optional_quantity) == []
    assert len(parse_events({"epcisBody": {"eventList": [shipping_event()]}}, NOW)) == 1
    assert len(parse_events(shipping_event(), NOW)) == 1
    with pytest.raises(InvalidEpcis) as refused:
        parse_events({"epcisBody": {"eventList": [shipping_event(), {**shipping_event(), "action": "MOVE"}]}}, NOW)
    assert refused.value.problems[0].event == 1 and refused.value.problems[0].message.startswith("schema: ")
    with pytest.raises(InvalidEpcis) as refused:
        parse_events({**shipping_event(), "eventTimeZoneOffset": "+2"}, NOW)
    assert refused.value.problems[0].pointer == "/eventTimeZoneOffset"


def test_a_thousand_event_document_is_checked_in_well_under_100_ms_of_cpu():
    body = document()
    body["epcisBody"]["eventList"] = [copy.deepcopy(shipping_event()) for _ in range(1000)]
    schema_problems(body)
    started = time.process_time()
    for _ in range(3):
        assert schema_problems(body) == []
    assert (time.process_time() - started) / 3 < 0.1


def _verdict(check, body) -> bool:
    try:
        check(body)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _bodies():
    for name in DOCUMENTS:
        yield name, json.loads((VECTORS / name).read_text())
    for rule in EVENT_RULES:
        yield rule[0], document(**rule[1])
    for rule in TYPE_RULES:
        body = document()
        body["epcisBody"]["eventList"][1] = rule[1]
        yield rule[0], body
    for rule in DOCUMENT_RULES:
        body = document()
        rule[1](body)
        yield rule[0], body
    odd = document()
    odd["epcisBody"]["eventList"][1] = {"type": "ex:CustomEvent", "eventTime": "2026-03-01T08:00:00Z"}
    yield "extended event", odd
    for event in ([], {"type": 7}, {"type": None}, "text"):
        body = document()
        body["epcisBody"]["eventList"][1] = event
        yield f"event {event!r}", body
    yield "eventList not a list", {**document(), "epcisBody": {"eventList": {"type": "ObjectEvent"}}}
    yield "query document", {**document(), "type": "EPCISQueryDocument",
                             "epcisBody": {"queryResults": {"resultsBody": {"eventList": [shipping_event(), {"type": 1}]}}}}


@pytest.mark.parametrize("standalone", [False, True], ids=["document", "standalone event"])
def test_the_per_type_dispatch_gives_the_whole_schemas_verdict(standalone):
    """`_conforms` checks each event against the definition its type names; on every body here it
    accepts and refuses exactly what the whole compiled schema and jsonschema do."""
    validator = event_validator() if standalone else document_validator()
    compared = 0
    for name, body in _bodies():
        targets = [body] + (list(body.get("epcisBody", {}).get("eventList", [])) if standalone and isinstance(
            body.get("epcisBody", {}).get("eventList"), list) else [])
        for target in targets:
            expected = validator.is_valid(target)
            assert _verdict(lambda b: _conforms(b, standalone), target) == expected, name
            assert _verdict(_fast(standalone), target) == expected, name
            compared += 1
    assert compared > 50
