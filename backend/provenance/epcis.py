"""EPCIS 2.0 JSON / JSON-LD events and documents, checked before they are recorded.

`parse_events` accepts one event, an ``EPCISDocument`` or an ``EPCISQueryDocument`` and
returns every event validated, or raises `InvalidEpcis` carrying *all* the problems found,
each with the event's index and the JSON pointer of the field, so an actor fixes a document
in one round trip. Two layers: first the official EPCIS 2.0 JSON schema (`epcis_schema`),
then the rules below, which the schema cannot express: CBV 2.0 vocabulary (standard terms in
   any spelling, or a private vocabulary's absolute URI; a made-up term in a CBV namespace
   is refused), EPC URIs and Digital Links of GS1 keys with their check digits, real dates,
   no event in the future, the structure each event type needs, and CURIE prefixes of user
   extensions declared in ``@context``.

Nothing is fetched: JSON-LD contexts are recognised by URL, never loaded, and user
extensions must use a prefix declared inline in ``@context`` (or the standard ``gs1``,
``cbv``, ``epcis`` prefixes). What counts towards a product's verdict is not decided here
(see `verdict_policy`): any valid business step or disposition is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from backend.core.errors import InvalidInput
from backend.provenance.cbv import Kind, UnknownVocabularyTerm, term
from backend.provenance.epcis_schema import event_list_problems, schema_problems
from backend.provenance.identifiers import InvalidIdentifier, canonical_uri, item_key

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "AssociationEvent", "TransactionEvent", "TransformationEvent")
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
EPCIS_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
# Prefixes the EPCIS 2.0 context itself declares (usable without an inline declaration).
STANDARD_PREFIXES = {
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "epcis": "https://ref.gs1.org/epcis/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
MAX_EVENTS_PER_DOCUMENT = 1000
MAX_FUTURE_SKEW = timedelta(minutes=5)

_COMMON_FIELDS = frozenset(
    {
        "@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "certificationInfo",
        "errorDeclaration", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
        "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd",
    }
)
_TYPE_FIELDS = {
    "ObjectEvent": frozenset({"action", "epcList", "quantityList"}),
    "AggregationEvent": frozenset({"action", "parentID", "childEPCs", "childQuantityList"}),
    "AssociationEvent": frozenset({"action", "parentID", "childEPCs", "childQuantityList"}),
    "TransactionEvent": frozenset({"action", "parentID", "epcList", "quantityList"}),
    "TransformationEvent": frozenset(
        {"transformationID", "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList"}
    ),
}
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


@dataclass(frozen=True)
class Problem:
    """One reason a document is refused: `event` is the index in the event list (None: the document),
    `pointer` the RFC 6901 JSON pointer of the field in the posted body."""

    event: int | None
    pointer: str
    message: str

    def reason(self) -> str:
        return self.message if self.event is None else f"event {self.event}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "pointer": self.pointer, "message": self.message}


class InvalidEpcis(InvalidInput):
    """`problems`: every problem found; `reasons`: the same as sentences naming the event and field."""

    code = "invalid_epcis"

    def __init__(self, problems: Sequence[Problem | str]):
        listed = [problem if isinstance(problem, Problem) else Problem(None, "", problem) for problem in problems]
        self.problems = listed
        self.reasons = [problem.reason() for problem in listed]
        super().__init__("; ".join(self.reasons), [problem.as_dict() for problem in listed])


@dataclass(frozen=True)
class ValidatedEvent:
    event: dict[str, Any]
    namespaces: dict[str, str]
    event_type: str
    biz_step: str  # the bare CBV term, a private vocabulary URI, or "" when the event has none
    disposition: str | None
    event_time: datetime  # UTC
    time_zone_offset: str
    read_point: str  # "" when the event has none
    biz_location: str | None
    items: tuple[tuple[str, str], ...] = field(default=())  # (gtin14, serial) the event names


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


class _Checker:
    """Collects problems of one event, with pointers relative to the event."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, pointer: str, message: str) -> None:
        self.problems.append((pointer, message))


def _namespaces(context: Any, check: _Checker, where: str, pointer: str) -> dict[str, str]:
    if context is None:
        return {}
    entries = context if isinstance(context, list) else [context]
    found: dict[str, str] = {}
    for index, entry in enumerate(entries):
        at = f"{pointer}/@context" + (f"/{index}" if isinstance(context, list) else "")
        if isinstance(entry, str):
            if entry not in EPCIS_CONTEXTS:
                check.add(at, f"{where}@context {entry!r} is not the EPCIS 2.0 context (remote contexts are not loaded)")
        elif isinstance(entry, Mapping):
            for prefix, iri in entry.items():
                if isinstance(iri, Mapping) and isinstance(iri.get("@id"), str):
                    iri = iri["@id"]
                if not (isinstance(prefix, str) and _PREFIX.match(prefix) and isinstance(iri, str) and _URI.match(iri)):
                    check.add(f"{at}/{_escape(str(prefix))}", f"{where}@context entry {prefix!r} must map a prefix to an absolute IRI")
                else:
                    found[prefix] = iri
        else:
            check.add(at, f"{where}@context entries must be the EPCIS context URL or prefix objects")
    return found


def _event_time(event: Mapping[str, Any], now: datetime, check: _Checker) -> tuple[datetime | None, str]:
    raw_time, raw_offset = event.get("eventTime"), event.get("eventTimeZoneOffset")
    moment = None
    if raw_time is None:
        check.add("/eventTime", "eventTime is missing")
    elif not isinstance(raw_time, str) or not _DATE_TIME.match(raw_time):
        check.add("/eventTime", f"eventTime {raw_time!r} is not an ISO 8601 date-time with a time zone (e.g. 2026-03-01T08:15:00+02:00)")
    else:
        try:
            moment = datetime.fromisoformat(raw_time).astimezone(timezone.utc)
        except ValueError:
            check.add("/eventTime", f"eventTime {raw_time!r} is not a real date and time")
        if moment is not None and moment > now + MAX_FUTURE_SKEW:
            check.add("/eventTime", f"eventTime {raw_time!r} is in the future")
    offset = ""
    if raw_offset is None:
        check.add("/eventTimeZoneOffset", "eventTimeZoneOffset is missing")
    elif not isinstance(raw_offset, str) or (match := _OFFSET.match(raw_offset)) is None:
        check.add("/eventTimeZoneOffset", f"eventTimeZoneOffset {raw_offset!r} must look like +02:00 or -05:30")
    elif int(match.group(2)) * 60 + int(match.group(3)) > 14 * 60 or int(match.group(3)) >= 60:
        check.add("/eventTimeZoneOffset", f"eventTimeZoneOffset {raw_offset!r} is outside -14:00..+14:00")
    else:
        offset = raw_offset
    return moment, offset


def _uri(value: Any, pointer: str, name: str, check: _Checker) -> str | None:
    if not isinstance(value, str) or not _URI.match(value):
        check.add(pointer, f"{name} {value!r} is not a URI")
        return None
    try:
        canonical_uri(value)
    except InvalidIdentifier as exc:
        check.add(pointer, f"{name}: {exc.message}")
        return None
    return value


def _location(event: Mapping[str, Any], name: str, check: _Checker) -> str | None:
    value = event.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping) or "id" not in value:
        check.add(f"/{name}", f"{name} must be an object with an id")
        return None
    if not isinstance(value["id"], str) or not _URI.match(value["id"]):
        check.add(f"/{name}/id", f"{name} id {value['id']!r} is not a URI")
        return None
    return _uri(value["id"], f"/{name}/id", name, check)


def _identifiers(event: Mapping[str, Any], check: _Checker) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name in (*_EPC_LISTS, "parentID"):
        if name not in event:
            continue
        values = [event[name]] if name == "parentID" else event[name]
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            check.add(f"/{name}", f"{name} must be {'a URI' if name == 'parentID' else 'a list of URIs'}")
            continue
        for index, value in enumerate(values):
            pointer = f"/{name}" if name == "parentID" else f"/{name}/{index}"
            try:
                canonical = canonical_uri(value)
            except InvalidIdentifier as exc:
                check.add(pointer, f"{name}: {exc.message}")
                continue
            if canonical is None:
                check.add(pointer, f"{name}: {value!r} is neither an EPC URI nor a GS1 Digital Link")
            elif (key := item_key(value)) is not None and key not in items:
                items.append(key)
    for name in _QUANTITY_LISTS:
        elements = event.get(name)
        if elements is None:
            continue
        if not isinstance(elements, list) or not all(isinstance(element, Mapping) for element in elements):
            check.add(f"/{name}", f"{name} must be a list of quantity elements")
            continue
        for index, element in enumerate(elements):
            if not isinstance(element.get("epcClass"), str):
                check.add(f"/{name}/{index}/epcClass", f"{name}: every element needs an epcClass")
            else:
                try:
                    canonical_uri(element["epcClass"])
                except InvalidIdentifier as exc:
                    check.add(f"/{name}/{index}/epcClass", f"{name}: {exc.message}")
            quantity = element.get("quantity")
            if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or quantity < 0):
                check.add(f"/{name}/{index}/quantity", f"{name}: quantity {quantity!r} must be a non-negative number")
    return items


def _structure(event: Mapping[str, Any], event_type: str, check: _Checker) -> None:
    action = event.get("action")
    if event_type != "TransformationEvent" and action not in ACTIONS:
        check.add("/action", f"action {action!r} must be one of {', '.join(ACTIONS)}")
    if event_type == "ObjectEvent" and not (event.get("epcList") or event.get("quantityList")):
        check.add("/epcList", "an ObjectEvent needs a non-empty epcList or quantityList")
    if event_type in ("AggregationEvent", "AssociationEvent"):
        if action in ("ADD", "DELETE") and not event.get("parentID"):
            check.add("/parentID", f"an {event_type} with action {action} needs a parentID")
        if action != "DELETE" and not (event.get("childEPCs") or event.get("childQuantityList")):
            check.add("/childEPCs", f"an {event_type} needs childEPCs or a childQuantityList")
    if event_type == "TransactionEvent" and not event.get("bizTransactionList"):
        check.add("/bizTransactionList", "a TransactionEvent needs a non-empty bizTransactionList")
    if event_type == "TransformationEvent":
        if not (event.get("inputEPCList") or event.get("inputQuantityList")):
            check.add("/inputEPCList", "a TransformationEvent needs inputEPCList or inputQuantityList")
        if not (event.get("outputEPCList") or event.get("outputQuantityList")):
            check.add("/outputEPCList", "a TransformationEvent needs outputEPCList or outputQuantityList")
    if "ilmd" in event and event_type not in ("ObjectEvent", "TransformationEvent"):
        check.add("/ilmd", "ilmd is only allowed on an ObjectEvent with action ADD or a TransformationEvent")
    elif "ilmd" in event and event_type == "ObjectEvent" and action != "ADD":
        check.add("/ilmd", "ilmd is only allowed on an ObjectEvent with action ADD")


def _term(value: Any, kind: Kind, pointer: str, name: str, check: _Checker) -> str | None:
    try:
        return term(value, kind, name).stored
    except UnknownVocabularyTerm as exc:
        check.add(pointer, exc.message)
        return None


def _vocabulary(event: Mapping[str, Any], check: _Checker) -> tuple[str, str | None]:
    step = _term(event["bizStep"], Kind.BIZ_STEP, "/bizStep", "bizStep", check) if "bizStep" in event else ""
    disposition = None
    if "disposition" in event:
        disposition = _term(event["disposition"], Kind.DISPOSITION, "/disposition", "disposition", check)
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, Mapping):
        for side in ("set", "unset"):
            for index, value in enumerate(persistent.get(side) or ()):
                _term(value, Kind.DISPOSITION, f"/persistentDisposition/{side}/{index}", f"persistentDisposition {side}", check)
    typed = (("bizTransactionList", "bizTransaction", Kind.BIZ_TRANSACTION_TYPE),
             ("sourceList", "source", Kind.SOURCE_DESTINATION_TYPE),
             ("destinationList", "destination", Kind.SOURCE_DESTINATION_TYPE))
    for name, member, kind in typed:
        entries = event.get(name)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(entry, Mapping) for entry in entries):
            check.add(f"/{name}", f"{name} must be a list of objects")
            continue
        for index, entry in enumerate(entries):
            if "type" in entry:
                _term(entry["type"], kind, f"/{name}/{index}/type", f"{name} type", check)
            elif member != "bizTransaction":
                check.add(f"/{name}/{index}/type", f"{name}: every {member} needs a type")
            if not isinstance(entry.get(member), str) or not _URI.match(entry[member]):
                check.add(f"/{name}/{index}/{member}", f"{name}: {member} {entry.get(member)!r} is not a URI")
            else:
                _uri(entry[member], f"/{name}/{index}/{member}", f"{name} {member}", check)
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, Mapping) and "reason" in declaration:
        _term(declaration["reason"], Kind.ERROR_REASON, "/errorDeclaration/reason", "errorDeclaration reason", check)
    return step or "", disposition


def _fields(event: Mapping[str, Any], event_type: str, namespaces: Mapping[str, str], check: _Checker) -> None:
    allowed = _COMMON_FIELDS | _TYPE_FIELDS[event_type]
    for name in event:
        prefix, colon, rest = name.partition(":")
        if colon:
            if prefix not in namespaces and prefix not in STANDARD_PREFIXES and not rest.startswith("//"):
                check.add(f"/{_escape(name)}", f"field {name!r} uses prefix {prefix!r}, which @context does not declare")
        elif name not in allowed:
            check.add(f"/{_escape(name)}", f"field {name!r} is not an EPCIS 2.0 field of a {event_type}")


def event_problems(
    event: Any, namespaces: Mapping[str, str], now: datetime | None = None
) -> tuple[ValidatedEvent | None, list[tuple[str, str]]]:
    """The validated event, or None and every (pointer within the event, message) it was refused for."""
    if not isinstance(event, Mapping):
        return None, [("", "an event must be a JSON object")]
    check = _Checker()
    scoped = {**namespaces, **_namespaces(event.get("@context"), check, "", "")}
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        check.add("/type", f"type {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    else:
        _fields(event, event_type, scoped, check)
        _structure(event, event_type, check)
    moment, offset = _event_time(event, now or datetime.now(timezone.utc), check)
    step, disposition = _vocabulary(event, check)
    read_point = _location(event, "readPoint", check)
    biz_location = _location(event, "bizLocation", check)
    items = _identifiers(event, check)
    if check.problems:
        return None, check.problems
    assert moment is not None and isinstance(event_type, str)
    validated = ValidatedEvent(
        event=dict(event),
        namespaces=scoped,
        event_type=event_type,
        biz_step=step,
        disposition=disposition,
        event_time=moment,
        time_zone_offset=offset,
        read_point=read_point or "",
        biz_location=biz_location,
        items=tuple(items),
    )
    return validated, []


def validate_event(
    event: Any, namespaces: Mapping[str, str], now: datetime | None = None
) -> tuple[ValidatedEvent | None, list[str]]:
    """The validated event, or None and every reason it was refused (sentences naming the field)."""
    validated, problems = event_problems(event, namespaces, now)
    return validated, [message for _, message in problems]


def _event_list(document: Mapping[str, Any], problems: list[Problem]) -> tuple[list[Any] | None, str]:
    """The events of a document and the JSON pointer of its event list."""
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        problems.append(Problem(None, "/epcisBody", "epcisBody must be an object"))
        return None, ""
    if document.get("type") == "EPCISQueryDocument" or "queryResults" in body:
        results = body.get("queryResults")
        results_body = results.get("resultsBody") if isinstance(results, Mapping) else None
        events = results_body.get("eventList") if isinstance(results_body, Mapping) else None
        if not isinstance(events, list) or not events:
            problems.append(Problem(None, "/epcisBody/queryResults/resultsBody/eventList",
                                    "an EPCISQueryDocument must hold a non-empty epcisBody.queryResults.resultsBody.eventList"))
            return None, ""
        return events, "/epcisBody/queryResults/resultsBody/eventList"
    if "eventList" in body:
        events = body["eventList"]
        if isinstance(events, list) and events:
            return events, "/epcisBody/eventList"
    elif "event" in body:
        return [body["event"]], "/epcisBody/event"
    problems.append(Problem(None, "/epcisBody/eventList", "epcisBody must hold a non-empty eventList or an event"))
    return None, ""


def parse_events(document: Any, now: datetime | None = None) -> list[ValidatedEvent]:
    """Events of a single event, an EPCISDocument or an EPCISQueryDocument (JSON / JSON-LD).

    Raises `InvalidEpcis` with every problem, each naming the event index and JSON pointer."""
    if not isinstance(document, Mapping):
        raise InvalidEpcis([Problem(None, "", "the body must be a JSON object: an EPCIS event, EPCISDocument or EPCISQueryDocument")])
    problems: list[Problem] = []
    if "epcisBody" not in document and document.get("type") not in DOCUMENT_TYPES:
        problems.extend(Problem(None, pointer, message) for _, pointer, message in schema_problems(document, standalone_event=True))
        refused_at = {problem.pointer for problem in problems}
        validated, found = event_problems(document, {}, now)
        problems.extend(Problem(None, pointer, message) for pointer, message in found if pointer not in refused_at)
        if problems:
            raise InvalidEpcis(problems)
        assert validated is not None
        return [validated]
    check = _Checker()
    namespaces = _namespaces(document.get("@context"), check, "document ", "")
    problems.extend(Problem(None, pointer, message) for pointer, message in check.problems)
    events, base = _event_list(document, problems)
    if events is None:
        raise InvalidEpcis(problems)
    if len(events) > MAX_EVENTS_PER_DOCUMENT:
        raise InvalidEpcis(problems + [Problem(None, base, f"{len(events)} events in one document; at most {MAX_EVENTS_PER_DOCUMENT}")])
    # Layer 1, the official schema; layer 2, the rules above. Every problem of both is reported,
    # except a layer-2 problem at a field the schema already refused (it would say the same).
    if document.get("type") in DOCUMENT_TYPES:
        found_in_schema = schema_problems(document)
    else:  # trustledger's untyped document: its events only (see epcis_schema)
        found_in_schema = event_list_problems(events, tuple(base.strip("/").split("/")))
    schema_found = [Problem(index, pointer, message) for index, pointer, message in found_in_schema]
    problems.extend(schema_found)
    refused_at = {problem.pointer for problem in schema_found}
    accepted = []
    for index, event in enumerate(events):
        validated, found = event_problems(event, namespaces, now)
        prefix = base if base.endswith("/event") else f"{base}/{index}"
        problems.extend(
            Problem(index, prefix + pointer, message) for pointer, message in found if prefix + pointer not in refused_at
        )
        if validated is not None:
            accepted.append(validated)
    if problems:
        problems.sort(key=lambda problem: -1 if problem.event is None else problem.event)
        raise InvalidEpcis(problems)
    return accepted
