from datetime import datetime, timezone

import pytest

from backend.provenance.epcis import InvalidEpcis, parse_events, validate_event

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def shipping_event(**changes):
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": ["urn:epc:id:sgtin:9506000.013435.A100", "https://id.gs1.org/01/09506000134352/21/A101"],
        "eventTime": "2026-03-01T08:15:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.1"},
        "bizLocation": {"id": "https://id.gs1.org/414/9506000000107"},
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


def reasons_for(event):
    validated, reasons = validate_event(event, {}, NOW)
    assert validated is None
    return reasons


def test_a_good_event_is_accepted_with_its_facts():
    validated, reasons = validate_event(shipping_event(), {}, NOW)
    assert reasons == []
    assert validated.biz_step == "shipping" and validated.disposition == "in_transit"
    assert validated.event_time == datetime(2026, 3, 1, 6, 15, tzinfo=timezone.utc)
    assert validated.time_zone_offset == "+02:00"
    assert validated.read_point == "urn:epc:id:sgln:9506000.00010.1"
    assert validated.items == (("09506000134352", "A100"), ("09506000134352", "A101"))


@pytest.mark.parametrize(
    "spelling", ["retail_selling", "https://ref.gs1.org/cbv/BizStep-retail_selling", "urn:epcglobal:cbv:bizstep:retail_selling"]
)
def test_biz_step_in_all_three_spellings(spelling):
    validated, reasons = validate_event(shipping_event(bizStep=spelling, disposition="retail_sold"), {}, NOW)
    assert reasons == [] and validated.biz_step == "retail_selling" and validated.disposition == "retail_sold"


def test_every_reason_is_returned_at_once():
    event = shipping_event(
        bizStep="teleporting",
        disposition="urn:epcglobal:cbv:disp:sparkling",
        readPoint={"id": "urn:epc:id:sgln:95.1"},
        eventTime="2026-03-01 08:15",
        eventTimeZoneOffset="+2",
    )
    reasons = reasons_for(event)
    assert len(reasons) == 5, reasons
    assert any(reason.startswith("bizStep 'teleporting' is not a CBV 2.0 business step") for reason in reasons)
    assert "disposition 'urn:epcglobal:cbv:disp:sparkling' is not a CBV 2.0 disposition" in reasons
    assert any(reason.startswith("readPoint: ") for reason in reasons)
    assert any(reason.startswith("eventTime '2026-03-01 08:15' is not an ISO 8601 date-time") for reason in reasons)
    assert "eventTimeZoneOffset '+2' must look like +02:00 or -05:30" in reasons


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"type": "MovementEvent"}, "type 'MovementEvent' is not one of ObjectEvent, AggregationEvent, AssociationEvent"),
        ({"type": None}, "type None is not one of"),
        ({"eventTime": None}, "eventTime is missing"),
        ({"eventTime": "2026-02-30T10:00:00Z"}, "is not a real date and time"),
        ({"eventTime": "2026-03-01T10:00:00"}, "with a time zone"),
        ({"eventTime": "2027-01-01T00:00:00Z"}, "is in the future"),
        ({"eventTimeZoneOffset": None}, "eventTimeZoneOffset is missing"),
        ({"eventTimeZoneOffset": "+15:00"}, "outside -14:00..+14:00"),
        ({"readPoint": {"id": "not a uri"}}, "readPoint id 'not a uri' is not a URI"),
        ({"readPoint": "urn:epc:id:sgln:9506000.00010.1"}, "readPoint must be an object with an id"),
        ({"bizLocation": {"id": "urn:epc:id:sgln:95.1"}}, "bizLocation: "),
        ({"bizStep": "urn:epcglobal:cbv:bizstep:teleporting"}, "bizStep 'urn:epcglobal:cbv:bizstep:teleporting' is not a CBV 2.0 business step"),
        ({"bizStep": "https://ref.gs1.org/cbv/BizStep-teleporting"}, "is not a CBV 2.0 business step"),
        ({"bizStep": "teleporting"}, "nor an absolute URI of a private vocabulary"),
        ({"disposition": 7}, "disposition 7 is not a CBV 2.0 disposition"),
        ({"bizTransactionList": [{"type": "purchase", "bizTransaction": "urn:x:1"}]}, "is not a CBV 2.0 business transaction type"),
        ({"sourceList": [{"type": "owner", "source": "urn:epc:id:pgln:9506000.00001"}]}, "is not a CBV 2.0 source/destination type"),
        ({"sourceList": [{"source": "urn:epc:id:pgln:9506000.00001"}]}, "every source needs a type"),
        ({"errorDeclaration": {"declarationTime": "2026-03-02T00:00:00Z", "reason": "oops"}}, "is not a CBV 2.0 error reason"),
        ({"persistentDisposition": {"set": ["shiny"]}}, "persistentDisposition set 'shiny' is not a CBV 2.0 disposition"),
        ({"epcList": ["https://id.gs1.org/01/09506000134353/21/A1"]}, "check digit is wrong"),
        ({"epcList": ["urn:epc:id:usdod:2S194.12345"]}, "is not a GS1 key"),
        ({"action": "MOVE"}, "action 'MOVE' must be one of ADD, OBSERVE, DELETE"),
        ({"epcList": []}, "needs a non-empty epcList or quantityList"),
        ({"epcList": ["urn:epc:id:sgtin:9506000.01343.A1"]}, "must total 13 digits"),
        ({"epcList": ["hello"]}, "neither an EPC URI nor a GS1 Digital Link"),
        ({"parentID": "urn:epc:id:sscc:9506000.0000000001"}, "field 'parentID' is not an EPCIS 2.0 field of a ObjectEvent"),
        ({"ex:color": "red"}, "uses prefix 'ex', which @context does not declare"),
        ({"@context": ["https://evil.example/context.jsonld"]}, "is not the EPCIS 2.0 context"),
    ],
)
def test_each_reason(changes, reason):
    reasons = reasons_for(shipping_event(**changes))
    assert any(reason in text for text in reasons), reasons


def test_inspecting_accepts_both_qc_dispositions():
    for disposition in ("conformant", "non_conformant", "https://ref.gs1.org/cbv/Disp-non_conformant"):
        validated, reasons = validate_event(shipping_event(bizStep="inspecting", disposition=disposition), {}, NOW)
        assert reasons == [], reasons


def test_aggregation_and_transformation_structure():
    packing = {
        "type": "AggregationEvent",
        "action": "ADD",
        "bizStep": "packing",
        "parentID": "urn:epc:id:sscc:9506000.0000000001",
        "childEPCs": ["urn:epc:id:sgtin:9506000.013435.A100"],
        "eventTime": "2026-03-02T10:00:00-05:00",
        "eventTimeZoneOffset": "-05:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.2"},
    }
    validated, reasons = validate_event(packing, {}, NOW)
    assert reasons == [] and validated.items == (("09506000134352", "A100"),)
    assert any("needs a parentID" in r for r in reasons_for({**packing, "parentID": None}))
    assert any("needs childEPCs" in r for r in reasons_for({**packing, "childEPCs": []}))
    transformation = {
        "type": "TransformationEvent",
        "bizStep": "commissioning",
        "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013436.LOT9", "quantity": 2.5, "uom": "KGM"}],
        "outputEPCList": ["urn:epc:id:sgtin:9506000.013435.B1"],
        "eventTime": "2026-03-03T11:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.3"},
    }
    validated, reasons = validate_event(transformation, {}, NOW)
    assert reasons == [] and validated.items == (("09506000134352", "B1"),)
    reasons = reasons_for({**transformation, "outputEPCList": None, "action": "ADD"})
    assert any("needs outputEPCList" in r for r in reasons)
    assert any("field 'action' is not an EPCIS 2.0 field of a TransformationEvent" in r for r in reasons)
    negative = {**transformation, "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013436.L", "quantity": -1}]}
    assert any("must be a non-negative number" in r for r in reasons_for(negative))


def test_documents_with_context_prefixes_and_indexed_reasons():
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ns.example.com/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-05T00:00:00Z",
        "epcisBody": {"eventList": [shipping_event(**{"ex:color": "red"}), shipping_event(bizStep="teleporting")]},
    }
    with pytest.raises(InvalidEpcis) as excinfo:
        parse_events(document, NOW)
    assert len(excinfo.value.reasons) == 1 and excinfo.value.reasons[0].startswith("event 1: bizStep 'teleporting'")
    assert excinfo.value.problems[0].pointer == "/epcisBody/eventList/1/bizStep" and excinfo.value.problems[0].event == 1
    document["epcisBody"]["eventList"].pop()
    (validated,) = parse_events(document, NOW)
    assert validated.namespaces == {"ex": "https://ns.example.com/"}
    assert len(parse_events({"epcisBody": {"event": shipping_event()}}, NOW)) == 1
    with pytest.raises(InvalidEpcis, match="non-empty eventList"):
        parse_events({"epcisBody": {"eventList": []}}, NOW)
    with pytest.raises(InvalidEpcis, match="must be a JSON object"):
        parse_events([shipping_event()], NOW)


@pytest.mark.parametrize("step", ["departing", "arriving", "transporting", "loading", "storing", "other", "sensor_reporting",
                                  "sampling", "void_shipping", "https://brand.example/voc/polishing", "cbv:BizStep-storing"])
def test_every_cbv_step_and_private_steps_are_accepted(step):
    validated, reasons = validate_event(shipping_event(bizStep=step, disposition=None), {}, NOW)
    assert reasons == [] and validated.biz_step == step.removeprefix("cbv:BizStep-")


def test_inspecting_without_disposition_and_private_dispositions_are_accepted():
    for disposition in (None, "in_transit", "https://brand.example/voc/disp/polished"):
        validated, reasons = validate_event(shipping_event(bizStep="inspecting", disposition=disposition), {}, NOW)
        assert reasons == [], reasons
        assert validated.disposition == disposition


def test_bizstep_and_readpoint_are_optional_as_in_epcis_2():
    validated, reasons = validate_event(shipping_event(bizStep=None, readPoint=None), {}, NOW)
    assert reasons == [] and validated.biz_step == "" and validated.read_point == ""


def test_other_gs1_keys_are_accepted_in_every_list():
    event = {
        "type": "AggregationEvent", "action": "ADD", "bizStep": "loading",
        "parentID": "urn:epc:id:grai:9506000.12345.7",
        "childEPCs": ["urn:epc:id:sscc:9506000.0000000001", "urn:epc:id:giai:9506000.ABC-1", "urn:epc:id:gsrn:9506000.0000000001",
                      "urn:epc:id:gdti:9506000.12345.DOC1", "urn:epc:id:sgcn:9506000.12345.001", "urn:epc:id:cpi:9506000.12A.5",
                      "urn:epc:id:ginc:9506000.C1", "urn:epc:id:gsin:9506000.000000001", "urn:epc:id:itip:9506000.013435.01.02.S1",
                      "urn:epc:id:pgln:9506000.00001", "urn:epc:id:gsrnp:9506000.0000000001", "urn:epc:id:upui:9506000.013435.TPX1"],
        "eventTime": "2026-03-02T10:00:00Z", "eventTimeZoneOffset": "+00:00",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.00010.2"},
    }
    validated, reasons = validate_event(event, {}, NOW)
    assert reasons == [], reasons
    assert validated.items == ()


def test_association_and_transaction_events():
    association = {
        "type": "AssociationEvent", "action": "ADD", "parentID": "urn:epc:id:grai:9506000.12345.7",
        "childEPCs": ["urn:epc:id:giai:9506000.SENSOR1"], "eventTime": "2026-03-02T10:00:00Z", "eventTimeZoneOffset": "+00:00",
    }
    assert validate_event(association, {}, NOW)[1] == []
    transaction = {
        "type": "TransactionEvent", "action": "ADD", "epcList": ["urn:epc:id:sgtin:9506000.013435.A100"],
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000000107:PO1"}],
        "eventTime": "2026-03-02T10:00:00Z", "eventTimeZoneOffset": "+00:00",
    }
    assert validate_event(transaction, {}, NOW)[1] == []
    assert any("needs a non-empty bizTransactionList" in r for r in reasons_for({**transaction, "bizTransactionList": []}))


def test_query_documents_are_accepted_and_problems_point_into_them():
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISQueryDocument", "schemaVersion": "2.0", "creationDate": "2026-03-05T00:00:00Z",
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": [shipping_event()]}}},
    }
    assert len(parse_events(document, NOW)) == 1
    document["epcisBody"]["queryResults"]["resultsBody"]["eventList"].append(shipping_event(disposition="shiny"))
    with pytest.raises(InvalidEpcis) as excinfo:
        parse_events(document, NOW)
    (problem,) = excinfo.value.problems
    assert problem.event == 1 and problem.pointer == "/epcisBody/queryResults/resultsBody/eventList/1/disposition"
    assert excinfo.value.details == [problem.as_dict()]
