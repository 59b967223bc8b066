"""The documented purposes and data categories a consent can name, and their on-chain hashes.

Purposes are W3C Data Privacy Vocabulary (DPV) terms; a consent holds for exactly the
purpose it names (no widening along DPV's hierarchy: a consent to ``dpv:Marketing`` does
not cover ``dpv:PersonalisedAdvertising``, because the consumer agreed to the term shown).
Data categories are short names, each mapped to a DPV personal-data (``pd:``) term.

On chain an offer and a consent carry only ``keccak256(term)`` and
``keccak256(abi.encode(sorted unique names))``. Both lists are small, so every hash is
read back by hashing every term and every subset of categories once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from backend.consent.typed_data import data_categories_hash, purpose_hash

PURPOSES: dict[str, str] = {
    "dpv:Advertising": "Advertising",
    "dpv:PersonalisedAdvertising": "Advertising tailored to the person's profile",
    "dpv:Marketing": "Marketing",
    "dpv:DirectMarketing": "Marketing sent directly to the person",
    "dpv:ServicePersonalisation": "Personalising a service to the person",
    "dpv:CommercialResearch": "Research for commercial ends, e.g. market research",
}


@dataclass(frozen=True)
class DataCategory:
    name: str
    dpv_term: str  # pd: term, see https://w3id.org/dpv/pd
    description: str


DATA_CATEGORIES: dict[str, DataCategory] = {
    category.name: category
    for category in (
        DataCategory("age-band", "pd:AgeRange", "age band, e.g. 25-34"),
        DataCategory("country", "pd:Country", "country of residence, ISO 3166-1 alpha-2"),
        DataCategory("interests", "pd:Interest", "declared interests, e.g. cycling"),
        DataCategory("language", "pd:Language", "preferred language, a BCP 47 tag"),
        DataCategory("gender", "pd:Gender", "gender as the person states it"),
    )
}


class VocabularyError(ValueError):
    """A purpose or data category outside the documented lists."""


def require_purpose(term: str) -> str:
    if term not in PURPOSES:
        raise VocabularyError(f"unknown purpose {term!r}; use one of {sorted(PURPOSES)}")
    return term


def require_categories(names: Iterable[str]) -> tuple[str, ...]:
    """Sorted unique category names, or VocabularyError naming the unknown ones."""
    chosen = sorted(set(names))
    unknown = [name for name in chosen if name not in DATA_CATEGORIES]
    if unknown:
        raise VocabularyError(f"unknown data categories {unknown}; use some of {sorted(DATA_CATEGORIES)}")
    if not chosen:
        raise VocabularyError("name at least one data category")
    return tuple(chosen)


def hex32(value: bytes) -> str:
    """The mirror's spelling of a bytes32: 0x + 64 lowercase hex digits."""
    return "0x" + value.hex()


@lru_cache(maxsize=1)
def _purposes_by_hash() -> dict[str, str]:
    return {hex32(purpose_hash(term)): term for term in PURPOSES}


@lru_cache(maxsize=1)
def _categories_by_hash() -> dict[str, tuple[str, ...]]:
    names = sorted(DATA_CATEGORIES)
    table = {}
    for size in range(1, len(names) + 1):
        for subset in combinations(names, size):
            table[hex32(data_categories_hash(subset))] = subset
    return table


@lru_cache(maxsize=64)
def purpose_hex(term: str) -> str:
    """The mirror's spelling of a purpose's on-chain hash."""
    return hex32(purpose_hash(term))


def purpose_of_hash(value: str) -> str | None:
    """The DPV term whose hash is `value` (0x-hex), or None for a term outside the list."""
    return _purposes_by_hash().get(value.lower())


def categories_of_hash(value: str) -> tuple[str, ...] | None:
    """The category names whose hash is `value` (0x-hex), or None for a set outside the list."""
    return _categories_by_hash().get(value.lower())
