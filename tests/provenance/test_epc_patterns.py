"""EPC pattern URIs (TDS 2.x) as LIKE patterns over canonical Digital Links: each scheme matches
its own identifiers and not a neighbour's, evaluated by a real SQL engine; malformed patterns refused."""

from __future__ import annotations

import sqlite3

import pytest

from backend.provenance.epc_patterns import ESCAPE, class_patterns, instance_patterns
from backend.provenance.identifiers import InvalidIdentifier, UnknownEpcScheme, canonical_uri

ENGINE = sqlite3.connect(":memory:")


def matches(patterns: tuple[str, ...], identifier: str) -> bool:
    key = canonical_uri(identifier)
    return any(ENGINE.execute("SELECT ? LIKE ? ESCAPE ?", (key, pattern, ESCAPE)).fetchone()[0] for pattern in patterns)


CASES = [
    # pattern, identifiers it names, identifiers it does not
    ("urn:epc:idpat:sgtin:0614141.107346.*",
     ["urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/A_%25b"],
     ["urn:epc:id:sgtin:0614141.107347.2017", "urn:epc:id:sgln:0614141.07346.0"]),
    ("urn:epc:idpat:sgtin:0614141.*.*",
     ["urn:epc:id:sgtin:0614141.107346.1", "urn:epc:id:sgtin:0614141.812345.x"],
     ["urn:epc:id:sgtin:0614142.107346.1", "urn:epc:id:upui:0614141.107346.xyz"]),
    ("urn:epc:idpat:sgtin:*.*.*", ["urn:epc:id:sgtin:4012345.098765.1"], ["urn:epc:id:sscc:0614141.1234567890"]),
    ("urn:epc:idpat:upui:0614141.107346.*", ["urn:epc:id:upui:0614141.107346.xyz"], ["urn:epc:id:sgtin:0614141.107346.1"]),
    ("urn:epc:idpat:sscc:0614141.*", ["urn:epc:id:sscc:0614141.1234567890"], ["urn:epc:id:sscc:0614142.1234567890"]),
    ("urn:epc:idpat:sgln:0614141.12345.*",
     ["urn:epc:id:sgln:0614141.12345.0", "urn:epc:id:sgln:0614141.12345.400"], ["urn:epc:id:sgln:0614141.12346.0"]),
    ("urn:epc:idpat:sgln:0614141.*.*", ["urn:epc:id:sgln:0614141.99999.7"], ["urn:epc:id:sgln:0614143.12345.0"]),
    ("urn:epc:idpat:grai:0614141.12345.*", ["urn:epc:id:grai:0614141.12345.400"], ["urn:epc:id:grai:0614141.12346.400"]),
    ("urn:epc:idpat:giai:0614141.*", ["urn:epc:id:giai:0614141.12345400"], ["urn:epc:id:giai:0614142.12345400"]),
    ("urn:epc:idpat:gsrn:0614141.*", ["urn:epc:id:gsrn:0614141.1234567890"], ["urn:epc:id:gsrnp:0614141.1234567890"]),
    ("urn:epc:idpat:gdti:0614141.12345.*", ["urn:epc:id:gdti:0614141.12345.006847"], ["urn:epc:id:gdti:0614141.12344.006847"]),
    ("urn:epc:idpat:sgcn:4012345.67890.*", ["urn:epc:id:sgcn:4012345.67890.04711"], ["urn:epc:id:sgcn:4012345.67891.04711"]),
    ("urn:epc:idpat:cpi:0614141.123ABC.*", ["urn:epc:id:cpi:0614141.123ABC.123456789"], ["urn:epc:id:cpi:0614141.123ABD.1"]),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", ["urn:epc:id:itip:4012345.012345.01.02.987"],
     ["urn:epc:id:itip:4012345.012345.01.03.987"]),
    ("urn:epc:idpat:itip:4012345.012345.*.*.*", ["urn:epc:id:itip:4012345.012345.05.09.1"],
     ["urn:epc:id:sgtin:4012345.012345.1"]),
    ("urn:epc:idpat:gsin:4123456.*", ["urn:epc:id:gsin:4123456.123456789"], ["urn:epc:id:gsin:4123457.123456789"]),
    ("urn:epc:idpat:pgln:4012345.*", ["urn:epc:id:pgln:4012345.00001"], ["urn:epc:id:sgln:4012345.00001.0"]),
]


@pytest.mark.parametrize(("pattern", "named", "not_named"), CASES, ids=[case[0].split(":")[3] + ":" + case[0].split(":")[4] for case in CASES])
def test_a_pattern_names_its_identifiers_and_not_its_neighbours(pattern, named, not_named):
    patterns = instance_patterns(pattern)
    assert all(matches(patterns, identifier) for identifier in named), patterns
    assert not any(matches(patterns, identifier) for identifier in not_named), patterns


def test_a_gtin_class_pattern_names_the_class_and_its_lots_but_no_other_gtin():
    patterns = class_patterns("urn:epc:idpat:sgtin:0614141.107346.*")
    assert matches(patterns, "urn:epc:idpat:sgtin:0614141.107346.*")
    assert matches(patterns, "urn:epc:class:lgtin:0614141.107346.LOT9")
    assert not matches(patterns, "urn:epc:class:lgtin:0614141.107347.LOT9")
    assert not matches(patterns, "urn:epc:id:sgtin:0614141.107346.1")  # an instance is no class
    assert matches(class_patterns("urn:epc:idpat:sgtin:0614141.*.*"), "urn:epc:class:lgtin:0614141.812345.L")


@pytest.mark.parametrize(("pattern", "reason"), [
    ("urn:epc:idpat:sgtin:0614141.*.2017", "only trailing fields may be '*'"),
    ("urn:epc:idpat:sgtin:0614141.107346.2017", "without a wildcard"),
    ("urn:epc:idpat:sgtin:06141.*.*", "expected 6 to 12 digits"),
    ("urn:epc:idpat:sgtin:0614141.10734.*", "must total 13 digits"),
    ("urn:epc:idpat:sgtin:0614141.*", "must have 3 dot-separated fields"),
    ("urn:epc:idpat:itip:4012345.012345.1.*.*", "expected 2 digits"),
    ("urn:epc:id:sgtin:0614141.107346.*", "not an EPC pattern URI"),
])
def test_a_malformed_pattern_is_refused_with_its_reason(pattern, reason):
    with pytest.raises(InvalidIdentifier) as refused:
        instance_patterns(pattern)
    assert reason in refused.value.reason


def test_patterns_of_schemes_that_are_no_gs1_key_or_name_no_class_are_refused():
    with pytest.raises(UnknownEpcScheme):
        instance_patterns("urn:epc:idpat:gid:95100000.12345.*")
    with pytest.raises(UnknownEpcScheme):
        class_patterns("urn:epc:idpat:sscc:0614141.*")
