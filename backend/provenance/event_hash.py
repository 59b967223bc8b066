"""The canonical EPCIS event hash of CBV 2.0 (section 8.9): ``ni:///sha-256;<hex>?ver=CBV2.0``.

The same event must hash the same whether it arrived as JSON-LD or XML, with bare or
URI vocabulary, EPC URNs or Digital Links, in any key order; so the hash is taken over a
*pre-hash string* built by fixed rules: properties in the canonical order below, values
canonicalised (UTC millisecond timestamps, web-URI vocabulary, canonical Digital Links,
numbers without trailing zeros), list members sorted, typed list members as
``value`` then ``type``, and ILMD plus user extensions (``{namespace}name=value``) sorted
at the end.

Two algorithms, named in ``epcis_event.hash_algorithm`` beside each stored hash:

* ``cbv-2.0`` (current): the rules of the reference implementation of the CBV 2.0 event
  hash (github.com/RalphTro/epcis-event-hash-generator, expected/CBV2.0 vectors in
  tests/provenance/vectors): in ``bizTransactionList`` / ``sourceList`` / ``destinationList``
  the ``type`` comes before the value; ``parentID`` after ``epcList``; ``certificationInfo``
  is not hashed; sensor elements are listed without a ``sensorElementList`` label and a bare
  (or ``gs1:``) measurement type is a GS1 web vocabulary term
  (``https://ref.gs1.org/voc/Temperature``); after the ordered properties come ``ilmd``, then
  the extensions found inside readPoint, bizLocation and sensor elements (under their
  element's name, in that order), then the event's own extensions sorted; booleans are
  ``true``/``false``; ``cbvmda`` names ``urn:epcglobal:cbv:mda`` and ``gs1`` the GS1 web
  vocabulary; a Digital Link keeps ``! ( ) *`` unescaped; a bare ``locationRoleType`` is a
  ``LocationRoleType-`` code. All 28 JSON test documents of the reference (47 events) match.
* ``trustledger-2025``: the first implementation (value before type, etc.). Its hashes are
  anchored on chain; they stay stored as they were and are recomputed with this algorithm
  when an old event is verified, so every anchored proof keeps holding.

Both give ``ni:///sha-256;<hex>?ver=CBV2.0`` (the version tag is the CBV's, not ours).
Independent of the reference in how it runs: no network, no module-level state, an event
that cannot be hashed raises `EventHashError` instead of being skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from backend.provenance.cbv import Kind, web_uri
from backend.provenance.identifiers import InvalidIdentifier, canonical_uri

HASH_VERSION = "CBV2.0"
# Prefixes every EPCIS 2.0 document may use without declaring them (CBV rule 15).
STANDARD_PREFIXES = {"gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/", "epcis": "https://ref.gs1.org/epcis/"}
# Not part of what an event says: excluded from the hash.
IGNORED_KEYS = frozenset({"@context", "type", "eventID", "recordTime", "errorDeclaration", "rdfs:comment", "comment"})

_QUANTITY = ("quantityElement", ("epcClass", "quantity", "uom"))
_SENSOR_METADATA = (
    "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules",
)
_SENSOR_REPORT = (
    "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time", "microorganism",
    "chemicalSubstance", "value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
    "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem",
)
_TYPED_LISTS = {
    "bizTransactionList": ("bizTransaction", Kind.BIZ_TRANSACTION_TYPE),
    "sourceList": ("source", Kind.SOURCE_DESTINATION_TYPE),
    "destinationList": ("destination", Kind.SOURCE_DESTINATION_TYPE),
}
_VOCABULARY_FIELDS = {"bizStep": Kind.BIZ_STEP, "disposition": Kind.DISPOSITION}
# The canonical property order (CBV 2.0 section 8.9.2), as the reference implementation applies it.
CANONICAL_ORDER = (
    "eventTime", "eventTimeZoneOffset", "certificationInfo", "parentID", "epcList", "inputEPCList", "childEPCs",
    "quantityList", "childQuantityList", "inputQuantityList", "outputEPCList", "outputQuantityList", "action",
    "transformationID", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
    "bizTransactionList", "sourceList", "destinationList", "sensorElementList",
)
_EPC_LISTS = frozenset({"epcList", "inputEPCList", "childEPCs", "outputEPCList"})
_QUANTITY_LISTS = frozenset({"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# CBV URN vocabulary -> web URI prefixes, computed once (the values of many fields are checked).
_CBV_URN = "urn:epcglobal:cbv:"
_URN_TO_WEB = tuple((kind.urn_prefix, kind.web_prefix) for kind in Kind)
assert all(urn.startswith(_CBV_URN) for urn, _ in _URN_TO_WEB)


class EventHashError(ValueError):
    pass


def utc_millis(timestamp: str) -> str:
    """``2022-02-16T20:33:31.116000-06:00`` -> ``2022-02-17T02:33:31.116Z`` (rules 8-9)."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        raise EventHashError(f"{timestamp!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise EventHashError(f"{timestamp!r} has no time zone")
    micros = moment.microsecond
    # Round half to even at the millisecond, as the reference does, carrying into the second.
    millis = round(micros / 1000)
    moment = (moment.replace(microsecond=0) + timedelta(milliseconds=millis)).astimezone(timezone.utc)
    if moment.year < 1000:  # strftime's %Y does not pad these
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class _PreHash:
    """trustledger-2025 rules."""

    order = CANONICAL_ORDER
    ignored = IGNORED_KEYS
    type_first = False
    sensor_list_label = True

    def __init__(self, namespaces: Mapping[str, str]):
        self._namespaces = {**STANDARD_PREFIXES, **namespaces}

    def key(self, name: str) -> str:
        prefix, colon, local = name.partition(":")
        if colon and prefix in self._namespaces:
            return "{" + self._namespaces[prefix] + "}" + local
        return name

    def value(self, name: str, raw: Any) -> str:
        if isinstance(raw, bool):
            text = str(raw)
        elif isinstance(raw, (int, float)):
            text = repr(raw)
        elif isinstance(raw, str):
            text = raw.strip()
        else:
            raise EventHashError(f"{name}: expected a text or number, got {type(raw).__name__}")
        if "time" in name.lower() and "offset" not in name.lower() and not name.startswith("{"):
            return utc_millis(text)
        if text.startswith(_CBV_URN):
            for urn, web in _URN_TO_WEB:
                if text.startswith(urn):
                    return web + text[len(urn):]
        if _NUMBER.match(text):
            number = float(text)
            return str(int(number)) if number.is_integer() else repr(number)
        try:
            canonical = canonical_uri(text)
        except InvalidIdentifier:
            canonical = None  # not a well-formed GS1 key: hashed as written, as the reference does
        if canonical is not None:
            return canonical
        prefix, colon, local = text.partition(":")
        if colon and prefix in self._namespaces and not local.startswith("//"):
            return self._namespaces[prefix] + local
        return text

    def pair(self, name: str, raw: Any) -> str:
        text = self.value(name, raw)
        return f"{name}={text}" if text else ""

    def fields(self, obj: Mapping[str, Any], order: tuple[str, ...]) -> str:
        """Known fields in order, then the object's own extensions sorted (rule 21)."""
        ordered = "".join(self.pair(name, obj[name]) for name in order if name in obj)
        extensions = sorted(self.generic(name, value) for name, value in obj.items() if name not in order)
        return ordered + "".join(extensions)

    def generic(self, name: str, value: Any) -> str:
        """ILMD and user extensions: ``{ns}name=value`` or ``{ns}name`` + sorted children (rules 19-20)."""
        key = self.key(name)
        if isinstance(value, Mapping):
            return key + "".join(sorted(self.generic(child, item) for child, item in value.items() if child != "@xmlns"))
        if isinstance(value, list):
            return "".join(sorted(self.generic(name, item) for item in value))
        text = self.value(key, value)
        return f"{key}={text}" if text else key

    def property(self, name: str, value: Any) -> str:
        if name in _EPC_LISTS:
            return name + "".join(sorted(self.pair("epc", epc) for epc in value))
        if name in _QUANTITY_LISTS:
            element, order = _QUANTITY
            return name + "".join(sorted(element + self.fields(item, order) for item in value))
        if name in _TYPED_LISTS:
            member, kind = _TYPED_LISTS[name]
            return name + "".join(sorted(self._typed(item, member, kind) for item in value))
        if name in ("readPoint", "bizLocation"):
            return name + self.fields(value, ("id",))
        if name == "persistentDisposition":
            parts = [
                "".join(sorted(self.pair(side, web_uri(term, Kind.DISPOSITION)) for term in value.get(side, ())))
                for side in ("set", "unset")
            ]
            return name + "".join(parts)
        if name == "sensorElementList":
            label = name if self.sensor_list_label else ""
            return label + "".join(sorted(self._sensor_element(element) for element in value))
        if name in _VOCABULARY_FIELDS:
            return self.pair(name, web_uri(value.strip(), _VOCABULARY_FIELDS[name]))
        return self.pair(name, value)

    def _typed(self, item: Mapping[str, Any], member: str, kind: Kind) -> str:
        text = self.pair(member, item[member])
        if "type" in item:
            typed = self.pair("type", web_uri(item["type"].strip(), kind))
            text = typed + text if self.type_first else text + typed
        return text

    def _report(self, report: Mapping[str, Any]) -> Mapping[str, Any]:
        return report

    def _sensor_element(self, element: Mapping[str, Any]) -> str:
        text = "sensorElement"
        if "sensorMetadata" in element:
            text += "sensorMetadata" + self.fields(element["sensorMetadata"], _SENSOR_METADATA)
        reports = element.get("sensorReport", ())
        text += "".join(sorted("sensorReport" + self.fields(self._report(report), _SENSOR_REPORT) for report in reports))
        extensions = [self.generic(k, v) for k, v in element.items() if k not in ("sensorMetadata", "sensorReport")]
        return text + "".join(sorted(extensions))

    def event(self, event: Mapping[str, Any]) -> str:
        event_type = event.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise EventHashError("the event has no type")
        ordered = [self.property(name, event[name]) for name in self.order if name in event]
        rest = sorted(
            [self.generic(name, value) for name, value in event.items() if name not in self.order and name not in self.ignored]
            + getattr(self, "trailing", [])
        )
        return "eventType=" + event_type + "".join(ordered) + "".join(rest)


GS1_WEB_VOCABULARY = "https://ref.gs1.org/voc/"
GS1_VOCABULARY = "https://gs1.org/voc/"
REFERENCE_PREFIXES = {"cbvmda": "urn:epcglobal:cbv:mda", "gs1": GS1_WEB_VOCABULARY}
CANONICAL_DIGITAL_LINK = "https://id.gs1.org/"
# Master data attributes whose bare value is a code of a GS1 web vocabulary code list.
_CODE_LISTS = {"locationRoleType": "LocationRoleType-"}
_REFERENCE_UNESCAPED = {"%21": "!", "%28": "(", "%29": ")", "%2A": "*"}


class _Verbatim(str):
    """A value already canonical: hashed as it is."""


class _ReferencePreHash(_PreHash):
    """cbv-2.0 rules: those of the reference implementation's expected/CBV2.0 vectors."""

    order = tuple(name for name in CANONICAL_ORDER if name not in ("certificationInfo", "parentID"))
    order = order[:order.index("epcList") + 1] + ("parentID",) + order[order.index("epcList") + 1:]
    ignored = IGNORED_KEYS | {"certificationInfo"}
    type_first = True
    sensor_list_label = False

    def __init__(self, namespaces: Mapping[str, str]):
        # The reference expands a CURIE with the standard context, where ``cbvmda`` names the
        # XML namespace ``urn:epcglobal:cbv:mda`` (no separator); a document's own context wins.
        super().__init__({**REFERENCE_PREFIXES, **namespaces})

    def _report(self, report: Mapping[str, Any]) -> Mapping[str, Any]:
        """Measurement type / alert: a bare term or ``gs1:`` term is a GS1 web vocabulary term; any
        other CURIE stays as written (it is a JSON-LD ``@type``, not a value to expand)."""
        fixed = dict(report)
        for name in ("type", "exception"):
            value = report.get(name)
            if not isinstance(value, str) or not value:
                continue
            if value.startswith(("gs1:", GS1_VOCABULARY)):
                fixed[name] = _Verbatim(GS1_WEB_VOCABULARY + value.partition(":")[2].removeprefix("//gs1.org/voc/"))
            elif ":" not in value and "/" not in value:
                fixed[name] = _Verbatim(GS1_WEB_VOCABULARY + value)
            else:
                fixed[name] = _Verbatim(value)
        return fixed

    def value(self, name: str, raw: Any) -> str:
        if isinstance(raw, _Verbatim):
            return str(raw)
        if isinstance(raw, bool):
            return "true" if raw else "false"  # as JSON (and XML) spell it
        if name in _CODE_LISTS and isinstance(raw, str) and raw and ":" not in raw:
            return GS1_WEB_VOCABULARY + _CODE_LISTS[name] + raw.strip()  # a GS1 web vocabulary code
        text = super().value(name, raw)
        if text.startswith(CANONICAL_DIGITAL_LINK) and "%" in text:
            # The reference leaves the sub-delimiters ! ( ) * of a key unescaped in its Digital Link.
            for escaped, char in _REFERENCE_UNESCAPED.items():
                text = text.replace(escaped, char)
        return text

    def property(self, name: str, value: Any) -> str:
        """readPoint / bizLocation: the id in place; extensions inside them go to the trailing
        extensions under the element's name, as the reference's leftover pass does."""
        if name in ("readPoint", "bizLocation") and isinstance(value, Mapping):
            extra = sorted(self.generic(k, v) for k, v in value.items() if k != "id")
            if extra:
                self.trailing.append(name + "".join(extra))
            return name + self.fields({"id": value["id"]} if "id" in value else {}, ("id",))
        return super().property(name, value)

    def _sensor_element(self, element: Mapping[str, Any]) -> str:
        """Known fields in place; user extensions inside the element go to the event's trailing
        extensions, under their ancestors' names, as the reference's leftover pass does."""
        text = "sensorElement"
        leftovers: list[str] = []
        metadata = element.get("sensorMetadata")
        if isinstance(metadata, Mapping):
            known = {k: v for k, v in metadata.items() if k in _SENSOR_METADATA}
            text += "sensorMetadata" + self.fields(known, _SENSOR_METADATA)
            extra = sorted(self.generic(k, v) for k, v in metadata.items() if k not in _SENSOR_METADATA)
            if extra:
                leftovers.append("sensorMetadata" + "".join(extra))
        reports = []
        for report in element.get("sensorReport", ()):
            known = {k: v for k, v in report.items() if k in _SENSOR_REPORT}
            reports.append("sensorReport" + self.fields(self._report(known), _SENSOR_REPORT))
            extra = sorted(self.generic(k, v) for k, v in report.items() if k not in _SENSOR_REPORT)
            if extra:
                leftovers.append("sensorReport" + "".join(extra))
        text += "".join(sorted(reports))
        extra = [self.generic(k, v) for k, v in element.items() if k not in ("sensorMetadata", "sensorReport")]
        leftovers.extend(extra)
        if leftovers:
            self.trailing.append("sensorElement" + "".join(sorted(leftovers)))
        return text

    def event(self, event: Mapping[str, Any]) -> str:
        """Ordered properties, then ``ilmd``, then what the ordered pass left inside readPoint,
        bizLocation and sensor elements (in that order), then the event's own extensions sorted."""
        event_type = event.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise EventHashError("the event has no type")
        self.trailing: list[str] = []  # filled while the ordered part is built
        ordered = "".join(self.property(name, event[name]) for name in self.order if name in event)
        ilmd = self.generic("ilmd", event["ilmd"]) if "ilmd" in event else ""
        rest = sorted(
            self.generic(name, value)
            for name, value in event.items()
            if name not in self.order and name not in self.ignored and name != "ilmd"
        )
        return "eventType=" + event_type + ordered + ilmd + "".join(self.trailing) + "".join(rest)


TRUSTLEDGER_2025 = "trustledger-2025"
CBV_2_0 = "cbv-2.0"
ALGORITHMS = {TRUSTLEDGER_2025: _PreHash, CBV_2_0: _ReferencePreHash}
CURRENT_ALGORITHM = CBV_2_0


def prehash_string(
    event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None, algorithm: str = CURRENT_ALGORITHM
) -> str:
    """The canonical pre-hash string of one EPCIS 2.0 JSON event; `namespaces` maps its CURIE prefixes."""
    if algorithm not in ALGORITHMS:
        raise EventHashError(f"unknown event hash algorithm {algorithm!r}; known: {', '.join(ALGORITHMS)}")
    try:
        return ALGORITHMS[algorithm](namespaces or {}).event(event)
    except (KeyError, TypeError, AttributeError) as exc:
        raise EventHashError(f"the event's structure cannot be hashed: {exc!r}") from None


def event_hash(
    event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None, algorithm: str = CURRENT_ALGORITHM
) -> str:
    digest = hashlib.sha256(prehash_string(event, namespaces, algorithm).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


def hash_digest(ni_uri: str) -> bytes:
    """The 32 raw bytes of a ``ni:///sha-256;...`` hash (what a Merkle leaf commits to)."""
    match = re.fullmatch(r"ni:///sha-256;([0-9a-f]{64})\?ver=CBV\d+\.\d+(\.\d+)?", ni_uri)
    if match is None:
        raise EventHashError(f"{ni_uri!r} is not a ni:///sha-256 event hash")
    return bytes.fromhex(match.group(1))
