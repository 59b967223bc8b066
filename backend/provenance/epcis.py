"""EPCIS 2.0 JSON / JSON-LD events checked against what this service records.

`parse_events` accepts one event or an ``EPCISDocument`` and returns every event
validated, or raises `InvalidEpcis` carrying *all* the reasons found (prefixed with
the event's index), so an actor fixes a document in one round trip. Nothing is
fetched: JSON-LD contexts are recognised by URL, never loaded, and user extensions
must use a prefix declared inline in ``@context``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from backend.provenance.cbv import (
    BIZ_STEPS,
    DISPOSITIONS,
    INSPECTION_DISPOSITIONS,
    Kind,
    bare_term,
)
from backend.provenance.identifiers import UnsupportedIdentifier, canonical_uri, item_key

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
EPCIS_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
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
    "TransformationEvent": frozenset(
        {"transformationID", "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList"}
    ),
}
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class InvalidEpcis(ValueError):
    """`reasons`: every problem found, each a sentence naming the event and the field."""

    def __init__(self, reasons: Sequence[str]):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class ValidatedEvent:
    event: dict[str, Any]
    namespaces: dict[str, str]
    event_type: str
    biz_step: str
    disposition: str | None
    event_time: datetime  # UTC
    time_zone_offset: str
    read_point: str
    biz_location: str | None
    items: tuple[tuple[str, str], ...] = field(default=())  # (gtin14, serial) the event names


def _namespaces(context: Any, reasons: list[str], where: str) -> dict[str, str]:
    if context is None:
        return {}
    entries = context if isinstance(context, list) else [context]
    found: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, str):
            if entry not in EPCIS_CONTEXTS:
                reasons.append(f"{where}@context {entry!r} is not the EPCIS 2.0 context (remote contexts are not loaded)")
        elif isinstance(entry, Mapping):
            for prefix, iri in entry.items():
                if not (isinstance(prefix, str) and _PREFIX.match(prefix) and isinstance(iri, str) and _URI.match(iri)):
                    reasons.append(f"{where}@context entry {prefix!r} must map a prefix to an absolute IRI")
                else:
                    found[prefix] = iri
        else:
            reasons.append(f"{where}@context entries must be the EPCIS context URL or prefix objects")
    return found


def _event_time(event: Mapping[str, Any], now: datetime, reasons: list[str]) -> tuple[datetime | None, str]:
    raw_time, raw_offset = event.get("eventTime"), event.get("eventTimeZoneOffset")
    moment = None
    if raw_time is None:
        reasons.append("eventTime is missing")
    elif not isinstance(raw_time, str) or not _DATE_TIME.match(raw_time):
        reasons.append(f"eventTime {raw_time!r} is not an ISO 8601 date-time with a time zone (e.g. 2026-03-01T08:15:00+02:00)")
    else:
        try:
            moment = datetime.fromisoformat(raw_time).astimezone(timezone.utc)
        except ValueError:
            reasons.append(f"eventTime {raw_time!r} is not a real date and time")
        if moment is not None and moment > now + MAX_FUTURE_SKEW:
            reasons.append(f"eventTime {raw_time!r} is in the future")
    offset = ""
    if raw_offset is None:
        reasons.append("eventTimeZoneOffset is missing")
    elif not isinstance(raw_offset, str) or (match := _OFFSET.match(raw_offset)) is None:
        reasons.append(f"eventTimeZoneOffset {raw_offset!r} must look like +02:00 or -05:30")
    elif int(match.group(2)) * 60 + int(match.group(3)) > 14 * 60 or int(match.group(3)) >= 60:
        reasons.append(f"eventTimeZoneOffset {raw_offset!r} is outside -14:00..+14:00")
    else:
        offset = raw_offset
    return moment, offset


def _location(event: Mapping[str, Any], name: str, required: bool, reasons: list[str]) -> str | None:
    value = event.get(name)
    if value is None:
        if required:
            reasons.append(f"{name} is missing (an object with the id of an SGLN or another URI)")
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
        reasons.append(f"{name} must be an object with an id")
        return None
    location = value["id"]
    if not _URI.match(location):
        reasons.append(f"{name} id {location!r} is not a URI")
        return None
    try:
        canonical_uri(location)
    except UnsupportedIdentifier as exc:
        reasons.append(f"{name}: {exc}")
        return None
    return location


def _identifiers(event: Mapping[str, Any], reasons: list[str]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID"):
        if name not in event:
            continue
        values = [event[name]] if name == "parentID" else event[name]
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            reasons.append(f"{name} must be {'a URI' if name == 'parentID' else 'a list of URIs'}")
            continue
        for value in values:
            try:
                canonical = canonical_uri(value)
            except UnsupportedIdentifier as exc:
                reasons.append(f"{name}: {exc}")
                continue
            if canonical is None:
                reasons.append(f"{name}: {value!r} is neither an EPC URI nor a GS1 Digital Link")
            elif (key := item_key(value)) is not None and key not in items:
                items.append(key)
    for name in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        elements = event.get(name)
        if elements is None:
            continue
        if not isinstance(elements, list) or not all(isinstance(element, Mapping) for element in elements):
            reasons.append(f"{name} must be a list of quantity elements")
            continue
        for element in elements:
            if not isinstance(element.get("epcClass"), str):
                reasons.append(f"{name}: every element needs an epcClass")
            quantity = element.get("quantity")
            if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or quantity < 0):
                reasons.append(f"{name}: quantity {quantity!r} must be a non-negative number")
    return items


def _structure(event: Mapping[str, Any], event_type: str, reasons: list[str]) -> None:
    action = event.get("action")
    if event_type in ("ObjectEvent", "AggregationEvent") and action not in ACTIONS:
        reasons.append(f"action {action!r} must be one of {', '.join(ACTIONS)}")
    if event_type == "ObjectEvent" and not (event.get("epcList") or event.get("quantityList")):
        reasons.append("an ObjectEvent needs a non-empty epcList or quantityList")
    if event_type == "AggregationEvent":
        if action in ("ADD", "DELETE") and not event.get("parentID"):
            reasons.append(f"an AggregationEvent with action {action} needs a parentID")
        if action != "DELETE" and not (event.get("childEPCs") or event.get("childQuantityList")):
            reasons.append("an AggregationEvent needs childEPCs or a childQuantityList")
    if event_type == "TransformationEvent":
        if not (event.get("inputEPCList") or event.get("inputQuantityList")):
            reasons.append("a TransformationEvent needs inputEPCList or inputQuantityList")
        if not (event.get("outputEPCList") or event.get("outputQuantityList")):
            reasons.append("a TransformationEvent needs outputEPCList or outputQuantityList")


def _vocabulary(event: Mapping[str, Any], reasons: list[str]) -> tuple[str, str | None]:
    raw_step, raw_disposition = event.get("bizStep"), event.get("disposition")
    step = bare_term(raw_step, Kind.BIZ_STEP) if isinstance(raw_step, str) else None
    if raw_step is None:
        reasons.append("bizStep is missing")
    elif step not in BIZ_STEPS:
        reasons.append(f"bizStep {raw_step!r} is not one of {', '.join(sorted(BIZ_STEPS))}")
        step = None
    disposition = None
    if raw_disposition is not None:
        disposition = bare_term(raw_disposition, Kind.DISPOSITION) if isinstance(raw_disposition, str) else None
        if disposition not in DISPOSITIONS:
            reasons.append(f"disposition {raw_disposition!r} is not a CBV 2.0 disposition")
            disposition = None
    if step == "inspecting" and disposition not in INSPECTION_DISPOSITIONS:
        reasons.append("an inspecting event needs disposition conformant or non_conformant")
    return step or "", disposition


def _fields(event: Mapping[str, Any], event_type: str, namespaces: Mapping[str, str], reasons: list[str]) -> None:
    allowed = _COMMON_FIELDS | _TYPE_FIELDS[event_type]
    for name in event:
        prefix, colon, _ = name.partition(":")
        if colon:
            if prefix not in namespaces and prefix != "rdfs":
                reasons.append(f"field {name!r} uses prefix {prefix!r}, which @context does not declare")
        elif name not in allowed:
            reasons.append(f"field {name!r} is not an EPCIS 2.0 field of a {event_type}")


def validate_event(
    event: Any, namespaces: Mapping[str, str], now: datetime | None = None
) -> tuple[ValidatedEvent | None, list[str]]:
    """The validated event, or None and every reason it was refused."""
    if not isinstance(event, Mapping):
        return None, ["an event must be a JSON object"]
    reasons: list[str] = []
    scoped = {**namespaces, **_namespaces(event.get("@context"), reasons, "")}
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        reasons.append(f"type {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    else:
        _fields(event, event_type, scoped, reasons)
        _structure(event, event_type, reasons)
    moment, offset = _event_time(event, now or datetime.now(timezone.utc), reasons)
    step, disposition = _vocabulary(event, reasons)
    read_point = _location(event, "readPoint", True, reasons)
    biz_location = _location(event, "bizLocation", False, reasons)
    items = _identifiers(event, reasons)
    if reasons:
        return None, reasons
    assert moment is not None and read_point is not None and isinstance(event_type, str)
    validated = ValidatedEvent(
        event=dict(event),
        namespaces=scoped,
        event_type=event_type,
        biz_step=step,
        disposition=disposition,
        event_time=moment,
        time_zone_offset=offset,
        read_point=read_point,
        biz_location=biz_location,
        items=tuple(items),
    )
    return validated, []


def parse_events(document: Any, now: datetime | None = None) -> list[ValidatedEvent]:
    """Events of a single event or an EPCISDocument (``epcisBody.eventList`` or ``epcisBody.event``)."""
    if not isinstance(document, Mapping):
        raise InvalidEpcis(["the body must be a JSON object: an EPCIS event or an EPCISDocument"])
    reasons: list[str] = []
    if "epcisBody" not in document:
        validated, problems = validate_event(document, {}, now)
        if problems:
            raise InvalidEpcis(problems)
        assert validated is not None
        return [validated]
    namespaces = _namespaces(document.get("@context"), reasons, "document ")
    body = document["epcisBody"]
    events = body.get("eventList", [body["event"]] if "event" in body else None) if isinstance(body, Mapping) else None
    if not isinstance(events, list) or not events:
        raise InvalidEpcis(reasons + ["epcisBody must hold a non-empty eventList or an event"])
    if len(events) > MAX_EVENTS_PER_DOCUMENT:
        raise InvalidEpcis(reasons + [f"{len(events)} events in one document; at most {MAX_EVENTS_PER_DOCUMENT}"])
    accepted = []
    for index, event in enumerate(events):
        validated, problems = validate_event(event, namespaces, now)
        reasons.extend(f"event {index}: {problem}" for problem in problems)
        if validated is not None:
            accepted.append(validated)
    if reasons:
        raise InvalidEpcis(reasons)
    return accepted
