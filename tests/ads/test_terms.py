from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from backend.campaigns.kinds import EventKind
from backend.campaigns.terms import (
    CampaignTerms,
    TermsError,
    TermsInvalid,
    parse_terms,
    parse_terms_json,
    terms_schema,
    validate_terms,
)
from backend.content.cid import cid_for

FULL = {
    "version": 1,
    "pricing": {"cpm": 2_500_000, "cpc": 150_000, "cpa": 5_000_000},
    "conditions": {
        "attribution_window_days": 7,
        "conversion_bonus": {"target": 100, "amount": 50_000_000},
        "publisher_daily_cap": {"amount": 900_000_000, "impressions": 100_000, "clicks": 2_000, "conversions": 50},
    },
}


def test_the_published_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(terms_schema())


def test_full_terms_parse_into_typed_fields():
    terms = parse_terms(FULL)
    assert (terms.cpm, terms.cpc, terms.cpa) == (2_500_000, 150_000, 5_000_000)
    assert terms.attribution_window_days == 7
    assert terms.attribution_window_seconds == 7 * 86_400
    assert (terms.conversion_bonus.target, terms.conversion_bonus.amount) == (100, 50_000_000)
    cap = terms.daily_cap
    assert (cap.amount, cap.events(EventKind.IMPRESSION), cap.events(EventKind.CLICK)) == (900_000_000, 100_000, 2_000)
    assert cap.events(EventKind.CONVERSION) == 50
    assert terms.document == FULL


def test_minimal_terms_take_the_defaults():
    terms = parse_terms({"version": 1, "pricing": {"cpc": 10}})
    assert (terms.cpm, terms.cpc, terms.cpa) == (None, 10, None)
    assert terms.prices(EventKind.CLICK) and not terms.prices(EventKind.IMPRESSION)
    assert not terms.prices(EventKind.CONVERSION)
    assert terms.attribution_window_days == 30
    assert terms.conversion_bonus is None and terms.daily_cap is None


def test_canonical_bytes_are_sorted_and_compact_so_equal_terms_share_a_cid():
    reordered = {"conditions": FULL["conditions"], "pricing": dict(reversed(FULL["pricing"].items())), "version": 1}
    a, b = parse_terms(FULL), parse_terms(reordered)
    assert a.canonical == b.canonical
    assert a.canonical.startswith(b'{"conditions":{"attribution_window_days":7,"conversion_bonus":{"amount":50000000,')
    assert b" " not in a.canonical and b"\n" not in a.canonical
    assert a.cid == b.cid == cid_for(a.canonical)
    cheaper = parse_terms({"version": 1, "pricing": {"cpc": 10}})
    assert parse_terms({"version": 1, "pricing": {"cpc": 11}}).cid != cheaper.cid


def test_terms_keep_a_private_copy_of_the_document():
    document = copy.deepcopy(FULL)
    terms = parse_terms(document)
    document["pricing"]["cpm"] = 1
    assert terms.cpm == 2_500_000 and terms.document["pricing"]["cpm"] == 2_500_000


def test_json_text_parses_and_refuses_non_json_and_nan():
    assert isinstance(parse_terms_json(json.dumps(FULL)), CampaignTerms)
    with pytest.raises(TermsInvalid, match="not JSON"):
        parse_terms_json("{version: 1")
    with pytest.raises(TermsInvalid, match="NaN is not valid JSON"):
        parse_terms_json('{"version": 1, "pricing": {"cpm": NaN}}')


def _with(path: str, value) -> dict:
    document = copy.deepcopy(FULL)
    *parents, leaf = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return document


_DELETE = object()
NOT_INTEGER = "must be an integer (base units, no decimals or strings)"

INVALID = [
    ("version", _DELETE, "version", "is required"),
    ("version", 2, "version", "1 was expected"),
    ("pricing", _DELETE, "pricing", "is required"),
    ("pricing", {}, "pricing", "needs at least one of: cpm, cpc, cpa"),
    ("pricing", [1], "pricing", "is not of type 'object'"),
    ("pricing.cpm", 1.5, "pricing.cpm", NOT_INTEGER),
    ("pricing.cpm", 2.0, "pricing.cpm", NOT_INTEGER),
    ("pricing.cpm", "2500000", "pricing.cpm", NOT_INTEGER),
    ("pricing.cpm", True, "pricing.cpm", NOT_INTEGER),
    ("pricing.cpm", None, "pricing.cpm", NOT_INTEGER),
    ("pricing.cpc", 0, "pricing.cpc", "0 is less than the minimum of 1"),
    ("pricing.cpa", -5, "pricing.cpa", "-5 is less than the minimum of 1"),
    ("pricing.cpa", 2**63, "pricing.cpa", "is greater than the maximum"),
    ("pricing.cpx", 5, "pricing", "unknown field(s): cpx"),
    ("budget", 5, "", "unknown field(s): budget"),
    ("conditions", "none", "conditions", "is not of type 'object'"),
    ("conditions.attribution_window_days", 0, "conditions.attribution_window_days", "less than the minimum of 1"),
    ("conditions.attribution_window_days", 366, "conditions.attribution_window_days", "greater than the maximum"),
    ("conditions.attribution_window_days", "7", "conditions.attribution_window_days", NOT_INTEGER),
    ("conditions.conversion_bonus.target", _DELETE, "conditions.conversion_bonus.target", "is required"),
    ("conditions.conversion_bonus.amount", _DELETE, "conditions.conversion_bonus.amount", "is required"),
    ("conditions.conversion_bonus.target", 0, "conditions.conversion_bonus.target", "less than the minimum of 1"),
    ("conditions.conversion_bonus.amount", 0.5, "conditions.conversion_bonus.amount", NOT_INTEGER),
    ("conditions.conversion_bonus.extra", 1, "conditions.conversion_bonus", "unknown field(s): extra"),
    ("conditions.publisher_daily_cap", {}, "conditions.publisher_daily_cap", "needs at least one of: amount"),
    ("conditions.publisher_daily_cap.clicks", 0, "conditions.publisher_daily_cap.clicks", "less than the minimum"),
    ("conditions.publisher_daily_cap.amount", "9", "conditions.publisher_daily_cap.amount", NOT_INTEGER),
    ("conditions.publisher_daily_cap.views", 1, "conditions.publisher_daily_cap", "unknown field(s): views"),
    ("conditions.geo", "FR", "conditions", "unknown field(s): geo"),
    # A bonus on conversions needs conversions to be priced.
    ("pricing.cpa", _DELETE, "pricing.cpa", "is required"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    INVALID,
    ids=[f"{p}={'(deleted)' if v is _DELETE else repr(v)}" for p, v, *_ in INVALID],
)
def test_every_invalid_field_is_reported_with_its_path_and_reason(path, value, field, reason):
    errors = validate_terms(_with(path, value))
    assert any(error.field == field and reason in error.reason for error in errors), errors
    with pytest.raises(TermsInvalid) as excinfo:
        parse_terms(_with(path, value))
    assert excinfo.value.errors == errors


def test_all_failing_fields_are_reported_at_once():
    document = {"version": 1, "pricing": {"cpm": 1.5, "cpc": 0}, "conditions": {"attribution_window_days": 0}}
    assert validate_terms(document) == [
        TermsError("conditions.attribution_window_days", "0 is less than the minimum of 1"),
        TermsError("pricing.cpc", "0 is less than the minimum of 1"),
        TermsError("pricing.cpm", NOT_INTEGER),
    ]


def test_a_document_that_is_not_an_object_is_refused():
    assert validate_terms([FULL]) == [TermsError("", f"{[FULL]!r} is not of type 'object'")]
