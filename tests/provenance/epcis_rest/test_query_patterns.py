"""MATCH_ parameters with EPC pattern URIs (urn:epc:idpat:, EPCIS 2.0 8.2.7.1) through GET /epcis/events."""

from __future__ import annotations

import pytest

from tests.provenance.epcis_rest.conftest import capture, document, event, job
from tests.provenance.epcis_rest.test_query import SGTIN, count, stored  # noqa: F401  (fixture)

ITEMS = "urn:epc:idpat:sgtin:9506000.013435.*"


def test_patterns_select_every_serial_of_a_gtin_a_company_prefix_or_any_sgtin(stored):
    api = stored
    assert count(api, MATCH_epc=ITEMS) == 10
    assert count(api, MATCH_anyEPC="urn:epc:idpat:sgtin:9506000.*.*") == 10
    assert count(api, MATCH_epc="urn:epc:idpat:sgtin:*.*.*") == 10
    assert count(api, MATCH_epc="urn:epc:idpat:sgtin:9506000.013436.*") == 0  # another item reference
    assert count(api, MATCH_epc="urn:epc:idpat:sgtin:9506001.*.*") == 0  # another company prefix
    assert count(api, MATCH_epc="urn:epc:idpat:sscc:9506000.*") == 0  # another key type
    # values of one parameter OR, parameters AND
    assert count(api, MATCH_epc=SGTIN.format("S4") + "|urn:epc:idpat:sgtin:9506001.*.*") == 1
    assert count(api, MATCH_epc=ITEMS, EQ_bizStep="receiving") == 3
    assert count(api, MATCH_epc=ITEMS, MATCH_anyEPC=SGTIN.format("S11")) == 1
    # an instance pattern does not select classes
    assert count(api, MATCH_epcClass=ITEMS) == 0


def test_a_class_pattern_selects_the_gtin_and_its_lots(stored):
    api = stored
    # capture wants a serialised item in every event: this one names item S2 and a lot of the GTIN
    lots = event("S2", quantityList=[{"epcClass": "urn:epc:class:lgtin:9506000.013435.LOT-7", "quantity": 4}])
    result = job(api, capture(api, document(lots)))
    assert result["success"], result["errors"]
    assert count(api, MATCH_epcClass=ITEMS) == 1
    assert count(api, MATCH_anyEPCClass="urn:epc:idpat:sgtin:9506000.*.*") == 1
    assert count(api, MATCH_epcClass="urn:epc:idpat:sgtin:9506000.013436.*") == 0
    assert count(api, MATCH_epc=ITEMS) == 11 and count(api, MATCH_anyEPCClass=SGTIN.format("S2")) == 0


@pytest.mark.parametrize(("params", "word"), [
    ({"MATCH_epc": "urn:epc:idpat:sgtin:9506000.*.S1"}, "only trailing fields"),
    ({"MATCH_anyEPC": "urn:epc:idpat:sgtin:95060.*.*"}, "company prefix"),
    ({"MATCH_epc": "urn:epc:idpat:gid:95100000.12345.*"}, "not a GS1 key"),
    ({"MATCH_epcClass": "urn:epc:idpat:sscc:9506000.*"}, "names no class"),
])
def test_a_malformed_pattern_is_a_query_parameter_exception(stored, params, word):
    response = stored.client.get("/epcis/events", headers=stored.actor.headers, params=params)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"] == "epcisException:QueryParameterException"
    assert next(iter(params)) in problem["detail"] and word in problem["detail"]
