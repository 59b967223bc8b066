"""Issue 14 part 1 against the official EPCIS 2.0 schema: every CBV term it lists, every GS1 key's check digit."""

import json

import pytest

from backend.provenance.cbv import BIZ_STEPS, BIZ_TRANSACTION_TYPES, DISPOSITIONS, ERROR_REASONS, SOURCE_DESTINATION_TYPES, Kind, term
from backend.provenance.epcis import validate_event
from backend.provenance.epcis_schema import SCHEMA_PATH
from backend.provenance.identifiers import InvalidIdentifier, canonical_uri

DEFINITIONS = json.loads(SCHEMA_PATH.read_text())["definitions"]
VOCABULARIES = [
    ("bizStep", BIZ_STEPS, Kind.BIZ_STEP),
    ("disposition", DISPOSITIONS, Kind.DISPOSITION),
    ("bizTransaction-type", BIZ_TRANSACTION_TYPES, Kind.BIZ_TRANSACTION_TYPE),
    ("source-dest-type", SOURCE_DESTINATION_TYPES, Kind.SOURCE_DESTINATION_TYPE),
    ("error-reason", ERROR_REASONS, Kind.ERROR_REASON),
]


@pytest.mark.parametrize("definition, ours, kind", VOCABULARIES, ids=[v[0] for v in VOCABULARIES])
def test_every_term_the_official_schema_lists_is_a_cbv_term_here(definition, ours, kind):
    listed = set(DEFINITIONS[definition]["anyOf"][1]["enum"])
    assert listed <= ours
    for bare in listed:
        assert term(bare, kind).stored == bare
        assert term(f"https://ref.gs1.org/cbv/{kind.web_prefix.rsplit('/', 1)[1]}{bare}", kind).stored == bare
    # the one term CBV 2.0 adds beyond this schema version's list
    assert ours - listed <= {"upevt"}


def event(**changes):
    base = {
        "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-03-01T08:00:00Z", "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:9506000.013435.A1"],
    }
    return {**base, **changes}


@pytest.mark.parametrize("step", sorted(BIZ_STEPS))
def test_every_business_step_is_accepted_with_or_without_a_disposition(step):
    for changes in ({"bizStep": step}, {"bizStep": step, "disposition": "active"}):
        validated, reasons = validate_event(event(**changes), {})
        assert reasons == [] and validated.biz_step == step


def test_private_vocabularies_are_accepted_and_made_up_cbv_terms_are_not():
    validated, reasons = validate_event(event(bizStep="https://brand.example/voc/polishing", disposition="urn:brand:disp:shiny"), {})
    assert reasons == [] and validated.biz_step == "https://brand.example/voc/polishing"
    _, reasons = validate_event(event(bizStep="https://ref.gs1.org/cbv/BizStep-polishing"), {})
    assert len(reasons) == 1 and "polishing" in reasons[0]


# Each GS1 key with a check digit, as a Digital Link whose last digit is off by one.
WRONG_CHECK_DIGITS = [
    ("GTIN (SGTIN)", "https://id.gs1.org/01/10614141073465/21/2017"),
    ("GTIN class (LGTIN)", "https://id.gs1.org/01/10614141073465/10/LOT1"),
    ("SSCC", "https://id.gs1.org/00/106141412345678909"),
    ("GLN (SGLN)", "https://id.gs1.org/414/0614141123453"),
    ("GRAI", "https://id.gs1.org/8003/00614141123453400"),
    ("GSRN", "https://id.gs1.org/8018/061414112345678903"),
    ("GSRNP", "https://id.gs1.org/8017/061414112345678903"),
    ("GDTI", "https://id.gs1.org/253/0614141123453400"),
    ("GCN (SGCN)", "https://id.gs1.org/255/061414112345304711"),
    ("GSIN", "https://id.gs1.org/402/06141411234567891"),
    ("ITIP", "https://id.gs1.org/8006/006141411111150102/21/987"),
    ("PGLN", "https://id.gs1.org/417/0614141000006"),
]


@pytest.mark.parametrize("key, link", WRONG_CHECK_DIGITS, ids=[k for k, _ in WRONG_CHECK_DIGITS])
def test_a_wrong_check_digit_is_refused_for_every_key_that_has_one(key, link):
    with pytest.raises(InvalidIdentifier) as refused:
        canonical_uri(link)
    assert "check digit" in refused.value.message
    _, reasons = validate_event(event(epcList=[link]), {})
    assert len(reasons) == 1 and "check digit" in reasons[0]


# Keys without a check digit (GIAI, GINC, CPI) and every key's EPC URI convert both ways elsewhere
# (test_identifiers.PAIRS); here each is accepted in an event's epcList.
@pytest.mark.parametrize("epc", [
    "urn:epc:id:giai:0614141.12345400", "urn:epc:id:ginc:0614141.xyz3311cba", "urn:epc:id:cpi:0614141.123ABC.123456789",
    "urn:epc:id:gsrnp:0614141.1234567890", "urn:epc:id:sgcn:0614141.12345.04711", "urn:epc:id:itip:0614141.011111.01.02.987",
    "urn:epc:id:pgln:0614141.00000", "urn:epc:id:gsin:0614141.123456789", "urn:epc:id:gdti:0614141.12345.400",
])
def test_every_key_is_accepted_in_an_event(epc):
    assert validate_event(event(epcList=[epc]), {})[1] == []


def test_the_identifier_cache_never_hides_a_refusal():
    for _ in range(2):
        with pytest.raises(InvalidIdentifier):
            canonical_uri("https://id.gs1.org/417/0614141000006")
        assert canonical_uri("urn:epc:id:pgln:0614141.00000") == "https://id.gs1.org/417/0614141000005"
