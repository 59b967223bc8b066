"""The GS1 Core Business Vocabulary terms this service accepts, in their three spellings.

A term may arrive bare (``shipping``, the JSON-LD form), as a CBV 2.0 web URI
(``https://ref.gs1.org/cbv/BizStep-shipping``) or as a CBV 1.x URN
(``urn:epcglobal:cbv:bizstep:shipping``); all three mean the same term.
"""

from __future__ import annotations

from enum import Enum

WEB_VOCABULARY = "https://ref.gs1.org/cbv/"


class Kind(Enum):
    # value: (web URI prefix after WEB_VOCABULARY, URN prefix)
    BIZ_STEP = ("BizStep-", "urn:epcglobal:cbv:bizstep:")
    DISPOSITION = ("Disp-", "urn:epcglobal:cbv:disp:")
    BIZ_TRANSACTION_TYPE = ("BTT-", "urn:epcglobal:cbv:btt:")
    SOURCE_DESTINATION_TYPE = ("SDT-", "urn:epcglobal:cbv:sdt:")
    ERROR_REASON = ("ER-", "urn:epcglobal:cbv:er:")

    @property
    def web_prefix(self) -> str:
        return WEB_VOCABULARY + self.value[0]

    @property
    def urn_prefix(self) -> str:
        return self.value[1]


# The supply-chain steps of a product's life that this service records.
BIZ_STEPS = frozenset(
    {"commissioning", "inspecting", "packing", "shipping", "holding", "receiving", "retail_selling"}
)

# CBV 2.0 dispositions (section 7.2).
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

INSPECTION_DISPOSITIONS = frozenset({"conformant", "non_conformant"})


def bare_term(value: str, kind: Kind) -> str | None:
    """`value` as a bare term of `kind` (whatever its spelling), or None if it is not of that kind."""
    for prefix in (kind.web_prefix, kind.urn_prefix):
        if value.startswith(prefix):
            return value[len(prefix):] or None
    if ":" in value or "/" in value or not value:
        return None
    return value


def web_uri(value: str, kind: Kind) -> str:
    """The CBV 2.0 web URI of a term in any spelling; other values (a private vocabulary's URI) unchanged."""
    term = bare_term(value, kind)
    return value if term is None else kind.web_prefix + term
