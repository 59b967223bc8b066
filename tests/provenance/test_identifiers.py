import pytest

from backend.provenance.cbv import BIZ_STEPS, BIZ_TRANSACTION_TYPES, DISPOSITIONS, ERROR_REASONS, SOURCE_DESTINATION_TYPES, Kind, UnknownVocabularyTerm, term
from backend.provenance.identifiers import InvalidIdentifier, UnknownEpcScheme, canonical_uri, epc_uri, parse_digital_link
from backend.provenance.verdict_policy import history_facts, step_title

# (EPC URI, canonical Digital Link); each converts back with a 7-digit company prefix.
PAIRS = [
    ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.400", "https://id.gs1.org/414/0614141123452/254/400"),
    ("urn:epc:id:sgln:0614141.12345.0", "https://id.gs1.org/414/0614141123452"),
    ("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400"),
    ("urn:epc:id:giai:0614141.12345400", "https://id.gs1.org/8004/061414112345400"),
    ("urn:epc:id:gsrn:0614141.1234567890", "https://id.gs1.org/8018/061414112345678902"),
    ("urn:epc:id:gsrnp:0614141.1234567890", "https://id.gs1.org/8017/061414112345678902"),
    ("urn:epc:id:gdti:0614141.12345.400", "https://id.gs1.org/253/0614141123452400"),
    ("urn:epc:id:cpi:0614141.123ABC.123456789", "https://id.gs1.org/8010/0614141123ABC/8011/123456789"),
    ("urn:epc:id:sgcn:0614141.12345.04711", "https://id.gs1.org/255/061414112345204711"),
    ("urn:epc:id:ginc:0614141.xyz3311cba", "https://id.gs1.org/401/0614141xyz3311cba"),
    ("urn:epc:id:gsin:0614141.123456789", "https://id.gs1.org/402/06141411234567890"),
    ("urn:epc:id:itip:0614141.011111.01.02.987", "https://id.gs1.org/8006/006141411111140102/21/987"),
    ("urn:epc:id:upui:0614141.011111.TPX9", "https://id.gs1.org/01/00614141111114/235/TPX9"),
    ("urn:epc:id:pgln:0614141.00000", "https://id.gs1.org/417/0614141000005"),
    ("urn:epc:class:lgtin:0614141.011111.LOT1", "https://id.gs1.org/01/00614141111114/10/LOT1"),
    ("urn:epc:idpat:sgtin:0614141.011111.*", "https://id.gs1.org/01/00614141111114"),
    ("urn:epc:idpat:grai:0614141.12345.*", "https://id.gs1.org/8003/00614141123452"),
]


@pytest.mark.parametrize("epc, link", PAIRS, ids=[pair[0].split(":")[3] for pair in PAIRS])
def test_epc_uris_and_digital_links_both_ways(epc, link):
    assert canonical_uri(epc) == link
    assert epc_uri(link, 7) == epc
    assert canonical_uri(link) == link


@pytest.mark.parametrize("length", range(6, 13))
def test_every_company_prefix_length(length):
    gtin = "0" + "1234567890123"[:12] + "8"  # body 0123456789012 -> check digit 8
    assert parse_digital_link(f"https://id.gs1.org/01/{gtin}/21/X").value == gtin
    epc = epc_uri(f"https://id.gs1.org/01/{gtin}/21/X", length)
    assert len(epc.split(":")[4].split(".")[0]) == length
    assert canonical_uri(epc) == f"https://id.gs1.org/01/{gtin}/21/X"


@pytest.mark.parametrize(
    "value, reason",
    [
        ("urn:epc:id:sgtin:0614141.10734.2017", "must total 13 digits"),
        ("urn:epc:id:sgtin:06141.1073460.2017", "company prefix '06141'"),
        ("urn:epc:id:sgtin:0614141.107346.", "serial ''"),
        ("urn:epc:id:sgtin:0614141.107346.123456789012345678901", "expected 1 to 20"),
        ("urn:epc:id:sscc:0614141.123456789", "must total 17 digits"),
        ("urn:epc:id:cpi:0614141.abc.1", "component/part reference 'abc'"),
        ("urn:epc:id:sgcn:0614141.12345.A1", "serial 'A1'"),
        ("urn:epc:id:itip:0614141.011111.1.02.9", "piece number"),
        ("https://id.gs1.org/01/10614141073465/21/2017", "check digit is wrong"),
        ("https://id.gs1.org/00/106141412345678909", "check digit is wrong"),
        ("https://id.gs1.org/414/0614141123453", "check digit is wrong"),
        ("https://id.gs1.org/01/123/21/1", "expected 8, 12, 13 or 14 digits"),
        ("https://id.gs1.org/01/10614141073464/10/L1/22/V", "out of order"),
        ("https://id.gs1.org/00/106141412345678908/21/1", "allowed: none"),
        ("urn:epc:idpat:sgtin:0614141.*.*", "only a serial wildcard"),
    ],
)
def test_malformed_identifiers_are_refused_with_the_reason(value, reason):
    with pytest.raises(InvalidIdentifier) as excinfo:
        canonical_uri(value)
    assert reason in excinfo.value.message and excinfo.value.code == "invalid_identifier"
    assert excinfo.value.details["value"] == value


def test_non_gs1_epc_schemes_are_refused_as_unsupported():
    with pytest.raises(UnknownEpcScheme) as excinfo:
        canonical_uri("urn:epc:id:gid:95100000.12345.400")
    assert excinfo.value.code == "unsupported_identifier"


def test_digital_link_short_names_and_cpv_and_lot_are_constrained():
    assert canonical_uri("https://brand.example/shop/gtin/614141073467/cpv/A/lot/L/ser/S?linkType=all") == (
        "https://id.gs1.org/01/00614141073467/21/S"
    )
    assert canonical_uri("https://brand.example/01/00614141073467/10/L") == "https://id.gs1.org/01/00614141073467/10/L"
    assert canonical_uri("https://example.com/about") is None


def test_vocabulary_counts_and_spellings():
    assert (len(BIZ_STEPS), len(DISPOSITIONS), len(BIZ_TRANSACTION_TYPES), len(SOURCE_DESTINATION_TYPES), len(ERROR_REASONS)) == (
        41, 33, 13, 3, 2
    )
    for spelling in ("storing", "https://ref.gs1.org/cbv/BizStep-storing", "urn:epcglobal:cbv:bizstep:storing", "cbv:BizStep-storing"):
        assert term(spelling, Kind.BIZ_STEP).stored == "storing"
    private = term("https://brand.example/voc/polishing", Kind.BIZ_STEP)
    assert not private.standard and private.stored == "https://brand.example/voc/polishing"
    for bad in ("storage", "urn:epcglobal:cbv:bizstep:storage", "https://ref.gs1.org/cbv/BizStep-storage", "", None):
        with pytest.raises(UnknownVocabularyTerm):
            term(bad, Kind.BIZ_STEP, "bizStep")
    assert term("upevt", Kind.BIZ_TRANSACTION_TYPE).uri == "https://ref.gs1.org/cbv/BTT-upevt"
    assert term("urn:epcglobal:cbv:er:did_not_occur", Kind.ERROR_REASON).stored == "did_not_occur"


def test_verdict_policy_is_separate_from_validation():
    facts = history_facts([("inspecting", None), ("departing", "in_transit"), ("retail_selling", "retail_sold"),
                           ("https://brand.example/voc/polishing", None), ("destroying", None)])
    assert (facts.recalled, facts.destroyed, facts.retail_sales) == (False, True, 1)
    assert history_facts([("", "recalled")]).recalled
    assert step_title("cycle_counting") == "Cycle counting" and step_title("https://brand.example/voc/polishing") == "Polishing"
    assert step_title("shipping") == "Shipped" and step_title("") == "Recorded"
