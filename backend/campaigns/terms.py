"""Campaign pricing terms: a JSON document checked against the published schema.

The schema (``campaign-terms.v1.json`` beside this module) is the contract with advertisers;
this module validates a document against it, reports every failing field, and
parses it into ``CampaignTerms``. ``canonical`` (sorted keys, no whitespace,
UTF-8) is what the content store addresses, so equal terms get equal CIDs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from backend.campaigns.kinds import EventKind
from backend.content.cid import cid_for

SCHEMA_PATH = Path(__file__).resolve().parent / "campaign-terms.v1.json"
DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30
DAY = 86_400


@dataclass(frozen=True)
class TermsError:
    field: str
    reason: str


class TermsInvalid(ValueError):
    def __init__(self, errors: list[TermsError]):
        self.errors = errors
        super().__init__("; ".join(f"{error.field or '(document)'}: {error.reason}" for error in errors))


@dataclass(frozen=True)
class ConversionBonus:
    target: int
    amount: int


@dataclass(frozen=True)
class DailyCap:
    amount: int | None = None
    impressions: int | None = None
    clicks: int | None = None
    conversions: int | None = None

    def events(self, kind: EventKind) -> int | None:
        if kind is EventKind.IMPRESSION:
            return self.impressions
        if kind is EventKind.CLICK:
            return self.clicks
        return self.conversions


@dataclass(frozen=True)
class CampaignTerms:
    canonical: bytes
    cpm: int | None
    cpc: int | None
    cpa: int | None
    attribution_window_days: int
    conversion_bonus: ConversionBonus | None
    daily_cap: DailyCap | None

    @property
    def attribution_window_seconds(self) -> int:
        return self.attribution_window_days * DAY

    def prices(self, kind: EventKind) -> bool:
        if kind is EventKind.IMPRESSION:
            return self.cpm is not None
        if kind is EventKind.CLICK:
            return self.cpc is not None
        return self.cpa is not None

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.canonical)

    @property
    def cid(self) -> str:
        return cid_for(self.canonical)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _strict_integer(_checker, instance: Any) -> bool:
    # jsonschema counts 1.0 as an integer (draft 6+); amounts must never pass through a float.
    return isinstance(instance, int) and not isinstance(instance, bool)


_TermsValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@lru_cache(maxsize=1)
def terms_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return _TermsValidator(terms_schema())


def validate_terms(document: Any) -> list[TermsError]:
    """Every schema violation, one per field, in a stable order."""
    errors = [_describe(error) for error in _validator().iter_errors(document)]
    return sorted(set(errors), key=lambda error: (error.field, error.reason))


def _describe(error: ValidationError) -> TermsError:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = next((name for name in error.validator_value if name not in error.instance), "")
        return TermsError(".".join([*path, missing]), "is required")
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(name for name in error.instance if name not in allowed)
        return TermsError(".".join(path), f"unknown field(s): {', '.join(extra)}")
    if error.validator == "minProperties":
        return TermsError(".".join(path), f"needs at least one of: {', '.join(error.schema.get('properties', {}))}")
    if error.validator == "type" and error.validator_value == "integer":
        return TermsError(".".join(path), "must be an integer (base units, no decimals or strings)")
    return TermsError(".".join(path), error.message)


def parse_terms(document: Any) -> CampaignTerms:
    errors = validate_terms(document)
    if errors:
        raise TermsInvalid(errors)
    pricing = document["pricing"]
    conditions = document.get("conditions", {})
    bonus = conditions.get("conversion_bonus")
    cap = conditions.get("publisher_daily_cap")
    return CampaignTerms(
        canonical=canonical_json(document),
        cpm=pricing.get("cpm"),
        cpc=pricing.get("cpc"),
        cpa=pricing.get("cpa"),
        attribution_window_days=conditions.get("attribution_window_days", DEFAULT_ATTRIBUTION_WINDOW_DAYS),
        conversion_bonus=ConversionBonus(bonus["target"], bonus["amount"]) if bonus else None,
        daily_cap=DailyCap(**cap) if cap else None,
    )


def _refuse_constant(name: str) -> Any:
    raise TermsInvalid([TermsError("", f"{name} is not valid JSON")])


def parse_terms_json(text: str | bytes) -> CampaignTerms:
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TermsInvalid([TermsError("", f"not JSON: {exc}")]) from exc
    return parse_terms(document)
