"""The GS1 Core Business Vocabulary 2.0: every standard term, in its three spellings, and private terms.

A standard term may arrive bare (``shipping``, the JSON-LD form), as a CBV 2.0 web URI
(``https://ref.gs1.org/cbv/BizStep-shipping``), as the ``cbv:`` compact IRI of the EPCIS
context (``cbv:BizStep-shipping``) or as a CBV 1.x URN (``urn:epcglobal:cbv:bizstep:shipping``);
all spell the same term. A private vocabulary (EPCIS 2.0 section 7.3.2 and CBV 2.0 section
5.1) is any other absolute URI, e.g. ``https://brand.example/voc/steps/polishing``; it is
accepted and kept as written. Refused: a bare word that is not a CBV term, and a URI in a
CBV namespace (web or URN) whose term the CBV does not define.

What the service *does* with a term (which ones count towards a product's verdict) is not
decided here: see `verdict_policy`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from backend.core.errors import InvalidInput

WEB_VOCABULARY = "https://ref.gs1.org/cbv/"
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


class Kind(Enum):
    # value: (web URI prefix after WEB_VOCABULARY, URN prefix, what to call it)
    BIZ_STEP = ("BizStep-", "urn:epcglobal:cbv:bizstep:", "business step")
    DISPOSITION = ("Disp-", "urn:epcglobal:cbv:disp:", "disposition")
    BIZ_TRANSACTION_TYPE = ("BTT-", "urn:epcglobal:cbv:btt:", "business transaction type")
    SOURCE_DESTINATION_TYPE = ("SDT-", "urn:epcglobal:cbv:sdt:", "source/destination type")
    ERROR_REASON = ("ER-", "urn:epcglobal:cbv:er:", "error reason")

    @property
    def web_prefix(self) -> str:
        return WEB_VOCABULARY + self.value[0]

    @property
    def curie_prefix(self) -> str:
        return "cbv:" + self.value[0]

    @property
    def urn_prefix(self) -> str:
        return self.value[1]

    @property
    def label(self) -> str:
        return self.value[2]


# CBV 2.0 section 7.1: business steps.
BIZ_STEPS = frozenset(
    {
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
        "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
        "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting", "installing",
        "killing", "loading", "other", "packing", "picking", "receiving", "removing", "repackaging",
        "repairing", "replacing", "reserving", "retail_selling", "sampling", "sensor_reporting", "shipping",
        "staging_outbound", "stock_taking", "stocking", "storing", "transporting", "unloading", "unpacking",
        "void_shipping",
    }
)

# CBV 2.0 section 7.2: dispositions.
DISPOSITIONS = frozenset(
    {
        "active", "available", "completeness_inferred", "completeness_verified", "conformant",
        "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded",
        "expired", "in_progress", "in_transit", "inactive", "mismatch_instance", "mismatch_class",
        "mismatch_quantity", "needs_replacement", "no_pedigree_match", "non_conformant",
        "non_sellable_other", "partially_dispensed", "recalled", "reserved", "retail_sold", "returned",
        "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown",
    }
)

# CBV 2.0 section 7.3: business transaction types.
BIZ_TRANSACTION_TYPES = frozenset(
    {"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd", "testres", "upevt"}
)

# CBV 2.0 section 7.4: source / destination types.
SOURCE_DESTINATION_TYPES = frozenset({"owning_party", "possessing_party", "location"})

# CBV 2.0 section 7.5: error reasons.
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})

TERMS = {
    Kind.BIZ_STEP: BIZ_STEPS,
    Kind.DISPOSITION: DISPOSITIONS,
    Kind.BIZ_TRANSACTION_TYPE: BIZ_TRANSACTION_TYPES,
    Kind.SOURCE_DESTINATION_TYPE: SOURCE_DESTINATION_TYPES,
    Kind.ERROR_REASON: ERROR_REASONS,
}


class UnknownVocabularyTerm(InvalidInput):
    """A value that is neither a CBV 2.0 term of its kind nor a private vocabulary URI."""

    code = "unknown_vocabulary_term"

    def __init__(self, value: object, kind: Kind, field: str | None = None):
        where = f"{field} " if field else ""
        hint = "" if isinstance(value, str) and _in_cbv_namespace(value) else " (nor an absolute URI of a private vocabulary)"
        super().__init__(
            f"{where}{value!r} is not a CBV 2.0 {kind.label}{hint}",
            {"value": value, "kind": kind.name.lower(), "field": field},
        )
        self.value = value
        self.kind = kind
        self.field = field


@dataclass(frozen=True)
class Term:
    """A vocabulary value: `bare` is the CBV term (None for a private one); `uri` its web URI or the private URI."""

    kind: Kind
    bare: str | None
    uri: str

    @property
    def standard(self) -> bool:
        return self.bare is not None

    @property
    def stored(self) -> str:
        """What a column stores: the bare CBV term, or the private URI as written."""
        return self.bare if self.bare is not None else self.uri


# Each kind's three spellings of its namespace, computed once (an Enum property costs more than the test).
_SPELLINGS = {kind: (kind.web_prefix, kind.curie_prefix, kind.urn_prefix) for kind in Kind}


def bare_term(value: str, kind: Kind) -> str | None:
    """The CBV spelling-independent term of `value` (without checking it is defined), None when `value`
    is not in a CBV namespace of `kind` nor a bare word."""
    for prefix in _SPELLINGS[kind]:
        if value.startswith(prefix):
            return value[len(prefix):] or None
    if ":" in value or "/" in value or not value:
        return None
    return value


def _in_cbv_namespace(value: str) -> bool:
    return value.startswith((WEB_VOCABULARY, "urn:epcglobal:cbv:", "cbv:"))


def term(value: object, kind: Kind, field: str | None = None) -> Term:
    """`value` as a term of `kind`. Raises `UnknownVocabularyTerm`."""
    if not isinstance(value, str) or not value.strip():
        raise UnknownVocabularyTerm(value, kind, field)
    text = value.strip()
    bare = bare_term(text, kind)
    if bare is not None:
        if bare in TERMS[kind]:
            return Term(kind, bare, _SPELLINGS[kind][0] + bare)
        raise UnknownVocabularyTerm(value, kind, field)
    if _in_cbv_namespace(text) or not _ABSOLUTE_URI.match(text):
        raise UnknownVocabularyTerm(value, kind, field)
    return Term(kind, None, text)


def web_uri(value: str, kind: Kind) -> str:
    """The CBV 2.0 web URI of a term in any spelling; other values (a private vocabulary's URI) unchanged."""
    bare = bare_term(value, kind)
    return value if bare is None else _SPELLINGS[kind][0] + bare
