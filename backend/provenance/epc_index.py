"""Which identifiers an EPCIS event names, and in which role, for the query interface's MATCH_ parameters.

Every GS1 key is kept as its canonical GS1 Digital Link (``https://id.gs1.org/01/.../21/...``),
so an event posted with EPC URNs is found by a query with Digital Links and the other way
round. A URI that is not a GS1 key (a private identifier) is kept as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from backend.provenance.identifiers import InvalidIdentifier, canonical_uri
from backend.provenance.models import EpcRole

_EPC_FIELDS = (
    ("epcList", EpcRole.EPC),
    ("childEPCs", EpcRole.EPC),
    ("inputEPCList", EpcRole.INPUT),
    ("outputEPCList", EpcRole.OUTPUT),
)
_CLASS_FIELDS = (
    ("quantityList", EpcRole.CLASS),
    ("childQuantityList", EpcRole.CLASS),
    ("inputQuantityList", EpcRole.INPUT_CLASS),
    ("outputQuantityList", EpcRole.OUTPUT_CLASS),
)
# MATCH_anyEPC: "epcList, childEPCs, inputEPCList, outputEPCList or parentID" (EPCIS 2.0, 8.2.7.1).
ANY_EPC_ROLES = (EpcRole.EPC, EpcRole.PARENT, EpcRole.INPUT, EpcRole.OUTPUT)
ANY_CLASS_ROLES = (EpcRole.CLASS, EpcRole.INPUT_CLASS, EpcRole.OUTPUT_CLASS)


def index_key(value: str) -> str:
    """The form an identifier is indexed and looked up under. Raises `InvalidIdentifier` for a
    malformed GS1 key."""
    return canonical_uri(value) or value


def event_epcs(event: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(role, indexed identifier) of every identifier in a (validated) event, without repeats."""
    seen: set[tuple[str, str]] = set()

    def entry(role: EpcRole, value: Any) -> Iterator[tuple[str, str]]:
        if not isinstance(value, str):
            return
        try:
            key = (role.value, index_key(value))
        except InvalidIdentifier:
            return
        if key not in seen:
            seen.add(key)
            yield key

    yield from entry(EpcRole.PARENT, event.get("parentID"))
    for name, role in _EPC_FIELDS:
        for value in event.get(name) or ():
            yield from entry(role, value)
    for name, role in _CLASS_FIELDS:
        for element in event.get(name) or ():
            if isinstance(element, Mapping):
                yield from entry(role, element.get("epcClass"))
