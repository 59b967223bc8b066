"""The EPCIS 2.0 query interface over the stored events (SimpleEventQuery parameters, REST binding paging).

`parse_query` reads the query parameters into an `EventQuery` (refusing an unknown or malformed
one with `QueryParameterInvalid`), `run_query` returns one page and the token of the next.
Identifiers are compared in their canonical GS1 Digital Link form (`epc_index`), vocabulary in
its stored form (`cbv.term`), so ``urn:epcglobal:cbv:bizstep:shipping``, the CBV 2.0 URI and
``shipping`` select the same events. Several values of one parameter are separated by ``|``.
A ``MATCH_`` value may be an EPC pattern URI (``urn:epc:idpat:sgtin:0614141.107346.*``),
matched by `epc_patterns` with SQL ``LIKE``; plain identifiers stay one index lookup.

Paging is keyset paging: the token carries the last row's ordering value and id, so a page
is one index range scan however deep it is.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import and_, distinct, exists, or_, select, tuple_
from sqlmodel import Session

from backend.core import errors as kinds
from backend.provenance.cbv import Kind, UnknownVocabularyTerm, term
from backend.provenance.epc_index import ANY_CLASS_ROLES, ANY_EPC_ROLES, index_key
from backend.provenance.epc_patterns import ESCAPE, class_patterns, instance_patterns, is_pattern
from backend.provenance.epcis import EVENT_TYPES
from backend.provenance.identifiers import InvalidIdentifier
from backend.provenance.models import EpcisEvent, EpcisEventEpc, EpcRole

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
DEFAULT_PER_PAGE = 30  # the binding's default


class QueryRefused(kinds.Refusal):
    """Family of refusals of a query."""


class QueryParameterInvalid(kinds.Case, QueryRefused, kinds.Malformed):
    code = "query_parameter_invalid"


class QueryTooLarge(kinds.Case, QueryRefused, kinds.TooLarge):
    code = "query_too_large"


class NoSuchEvent(kinds.Case, QueryRefused, kinds.NotFound):
    code = "no_such_event"


class NoSuchVocabulary(kinds.Case, QueryRefused, kinds.NotFound):
    code = "no_such_resource"


@dataclass(frozen=True)
class Scope:
    """Whose events a caller sees: a brand its products' events, an actor the events it recorded."""

    brand_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IdentifierMatch:
    """One MATCH_ parameter: events naming, in one of `roles`, one of `keys` (canonical identifiers)
    or a key matching one of `patterns` (SQL LIKE, from EPC pattern URIs)."""

    roles: tuple[str, ...]
    keys: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventQuery:
    event_types: tuple[str, ...] = ()
    ge_event_time: datetime | None = None
    lt_event_time: datetime | None = None
    ge_record_time: datetime | None = None
    lt_record_time: datetime | None = None
    actions: tuple[str, ...] = ()
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    read_points: tuple[str, ...] = ()
    biz_locations: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    # one per MATCH_ parameter: every one given must match (AND), the values within one OR.
    matches: tuple[IdentifierMatch, ...] = ()
    order_by: str = "eventTime"
    descending: bool = True
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = DEFAULT_PER_PAGE
    after: tuple[datetime, int] | None = None  # keyset position from nextPageToken
    seen: int = 0  # events returned on earlier pages (eventCountLimit spans pages)


_MATCH_ROLES: dict[str, tuple[str, ...]] = {
    "MATCH_epc": (EpcRole.EPC.value,),
    "MATCH_parentID": (EpcRole.PARENT.value,),
    "MATCH_inputEPC": (EpcRole.INPUT.value,),
    "MATCH_outputEPC": (EpcRole.OUTPUT.value,),
    "MATCH_anyEPC": tuple(role.value for role in ANY_EPC_ROLES),
    "MATCH_epcClass": (EpcRole.CLASS.value,),
    "MATCH_inputEPCClass": (EpcRole.INPUT_CLASS.value,),
    "MATCH_outputEPCClass": (EpcRole.OUTPUT_CLASS.value,),
    "MATCH_anyEPCClass": tuple(role.value for role in ANY_CLASS_ROLES),
}
_CLASS_ROLES = frozenset(role.value for role in ANY_CLASS_ROLES)
_TIMES = {"GE_eventTime": "ge_event_time", "LT_eventTime": "lt_event_time", "GE_recordTime": "ge_record_time",
          "LT_recordTime": "lt_record_time"}
_LISTS = {"EQ_action": "actions", "EQ_readPoint": "read_points", "EQ_bizLocation": "biz_locations",
          "EQ_eventID": "event_ids"}
PAGING = ("perPage", "nextPageToken")
KNOWN = frozenset({"eventType", *_TIMES, *_LISTS, "EQ_bizStep", "EQ_disposition", *_MATCH_ROLES, "orderBy",
                   "orderDirection", "eventCountLimit", "maxEventCount", *PAGING})


def _refuse(name: str, message: str, value: Any = None) -> QueryParameterInvalid:
    return QueryParameterInvalid(f"{name}: {message}", {"parameter": name, "value": value})


def _values(name: str, raw: str) -> tuple[str, ...]:
    values = tuple(value.strip() for value in raw.split("|"))
    if any(not value for value in values):
        raise _refuse(name, "an empty value", raw)
    return values


def _time(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+"))  # a '+' sent unescaped arrives as a space
    except ValueError:
        raise _refuse(name, f"{raw!r} is not an ISO 8601 date-time", raw) from None
    if moment.tzinfo is None:
        raise _refuse(name, f"{raw!r} has no time zone", raw)
    return moment.astimezone(timezone.utc)


def _count(name: str, raw: str, low: int = 1, high: int | None = None) -> int:
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise _refuse(name, f"{raw!r} must be an integer {bounds}", raw)
    return int(raw)


def _vocabulary(name: str, raw: str, kind: Kind) -> tuple[str, ...]:
    stored = []
    for value in _values(name, raw):
        try:
            stored.append(term(value, kind, name).stored)
        except UnknownVocabularyTerm as exc:
            raise _refuse(name, exc.message, value) from None
    return tuple(stored)


def _identifiers(name: str, raw: str, roles: tuple[str, ...]) -> IdentifierMatch:
    keys: list[str] = []
    patterns: list[str] = []
    of_classes = set(roles) <= _CLASS_ROLES
    for value in _values(name, raw):
        try:
            if is_pattern(value):
                patterns.extend(class_patterns(value) if of_classes else instance_patterns(value))
            else:
                keys.append(index_key(value))
        except InvalidIdentifier as exc:
            raise _refuse(name, exc.message, value) from None
    return IdentifierMatch(roles, tuple(keys), tuple(patterns))


def encode_token(position: tuple[datetime, int], seen: int) -> str:
    data = orjson.dumps({"v": position[0].isoformat(), "id": position[1], "n": seen})
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode_token(raw: str) -> tuple[tuple[datetime, int], int]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return (datetime.fromisoformat(data["v"]), int(data["id"])), int(data["n"])
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise _refuse("nextPageToken", "not a token this server issued", raw) from None


def parse_query(params: Sequence[tuple[str, str]], *, max_per_page: int) -> EventQuery:
    """An `EventQuery` of the request's query parameters. Raises `QueryParameterInvalid`."""
    seen: set[str] = set()
    values: dict[str, Any] = {}
    matches: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for name, raw in params:
        if name not in KNOWN:
            raise _refuse(name, "is not a query parameter of this interface", raw)
        if name in seen:
            raise _refuse(name, "given twice; separate several values with '|'", raw)
        seen.add(name)
        if name == "eventType":
            types = _values(name, raw)
            unknown = [value for value in types if value not in EVENT_TYPES]
            if unknown:
                raise _refuse(name, f"{unknown[0]!r} is not one of {', '.join(EVENT_TYPES)}", raw)
            values["event_types"] = types
        elif name in _TIMES:
            values[_TIMES[name]] = _time(name, raw)
        elif name == "EQ_action":
            actions = _values(name, raw)
            if any(action not in ("ADD", "OBSERVE", "DELETE") for action in actions):
                raise _refuse(name, "must be ADD, OBSERVE or DELETE", raw)
            values["actions"] = actions
        elif name in _LISTS:
            values[_LISTS[name]] = _values(name, raw)
        elif name == "EQ_bizStep":
            values["biz_steps"] = _vocabulary(name, raw, Kind.BIZ_STEP)
        elif name == "EQ_disposition":
            values["dispositions"] = _vocabulary(name, raw, Kind.DISPOSITION)
        elif name in _MATCH_ROLES:
            matches.append(_identifiers(name, raw, _MATCH_ROLES[name]))
        elif name == "orderBy":
            if raw not in ("eventTime", "recordTime"):
                raise _refuse(name, "must be eventTime or recordTime", raw)
            values["order_by"] = raw
        elif name == "orderDirection":
            if raw not in ("ASC", "DESC"):
                raise _refuse(name, "must be ASC or DESC", raw)
            values["descending"] = raw == "DESC"
        elif name == "eventCountLimit":
            values["event_count_limit"] = _count(name, raw)
        elif name == "maxEventCount":
            values["max_event_count"] = _count(name, raw)
        elif name == "perPage":
            values["per_page"] = _count(name, raw, 1, max_per_page)
        elif name == "nextPageToken":
            values["after"], values["seen"] = _decode_token(raw)
    if "event_count_limit" in values and "max_event_count" in values:
        raise _refuse("maxEventCount", "cannot be combined with eventCountLimit")
    return EventQuery(matches=tuple(matches), **values)


def _scoped(statement, scope: Scope):
    if scope.brand_id is not None:
        statement = statement.where(EpcisEvent.brand_id == scope.brand_id)
    if scope.actor_id is not None:
        statement = statement.where(EpcisEvent.actor_id == scope.actor_id)
    return statement


def _filtered(query: EventQuery, scope: Scope):
    statement = _scoped(select(EpcisEvent), scope)
    conditions = []
    if query.event_types:
        conditions.append(EpcisEvent.event_type.in_(query.event_types))
    for value, column, op in (
        (query.ge_event_time, EpcisEvent.event_time, "ge"), (query.lt_event_time, EpcisEvent.event_time, "lt"),
        (query.ge_record_time, EpcisEvent.recorded_at, "ge"), (query.lt_record_time, EpcisEvent.recorded_at, "lt"),
    ):
        if value is not None:
            conditions.append(column >= value if op == "ge" else column < value)
    for values, column in (
        (query.actions, EpcisEvent.action), (query.biz_steps, EpcisEvent.biz_step),
        (query.dispositions, EpcisEvent.disposition), (query.read_points, EpcisEvent.read_point),
        (query.biz_locations, EpcisEvent.biz_location),
    ):
        if values:
            conditions.append(column.in_(values))
    if query.event_ids:
        conditions.append(or_(EpcisEvent.event_hash.in_(query.event_ids), EpcisEvent.declared_event_id.in_(query.event_ids)))
    for match in query.matches:
        named = [EpcisEventEpc.epc.in_(match.keys)] if match.keys else []
        named += [EpcisEventEpc.epc.like(pattern, escape=ESCAPE) for pattern in match.patterns]
        conditions.append(
            exists().where(EpcisEventEpc.event_id == EpcisEvent.id, or_(*named), EpcisEventEpc.role.in_(match.roles))
        )
    return statement.where(*conditions) if conditions else statement


def _order_column(query: EventQuery):
    return EpcisEvent.event_time if query.order_by == "eventTime" else EpcisEvent.recorded_at


@dataclass(frozen=True)
class Page:
    events: list[EpcisEvent]
    next_token: str | None


def run_query(session: Session, query: EventQuery, scope: Scope) -> Page:
    """One page of matching events in the query's order, and the token of the next page (None: last).
    Raises `QueryTooLarge` when more than maxEventCount events match."""
    statement = _filtered(query, scope)
    if query.max_event_count is not None and query.after is None:
        probe = statement.with_only_columns(EpcisEvent.id).limit(query.max_event_count + 1)
        if len(session.execute(probe).all()) > query.max_event_count:
            raise QueryTooLarge(f"more than maxEventCount={query.max_event_count} events match",
                                {"maxEventCount": query.max_event_count})
    column = _order_column(query)
    if query.after is not None:
        value, last_id = query.after
        position = tuple_(column, EpcisEvent.id)
        bound = tuple_(value, last_id)
        statement = statement.where(position < bound if query.descending else position > bound)
    ordering = (column.desc(), EpcisEvent.id.desc()) if query.descending else (column.asc(), EpcisEvent.id.asc())
    size = query.per_page
    if query.event_count_limit is not None:
        size = min(size, query.event_count_limit - query.seen)
        if size <= 0:
            return Page([], None)
    rows = list(session.execute(statement.order_by(*ordering).limit(size + 1)).scalars())
    more = len(rows) > size
    rows = rows[:size]
    seen = query.seen + len(rows)
    if query.event_count_limit is not None and seen >= query.event_count_limit:
        more = False
    token = None
    if more and rows:
        last = rows[-1]
        token = encode_token((last.event_time if query.order_by == "eventTime" else last.recorded_at, last.id), seen)
    return Page(rows, token)


def event_by_id(session: Session, event_id: str, scope: Scope) -> EpcisEvent:
    """The event with this eventID (its own, or its hash). Raises `NoSuchEvent`."""
    statement = _filtered(EventQuery(event_ids=(event_id,)), scope).limit(1)
    row = session.execute(statement).scalars().first()
    if row is None:
        raise NoSuchEvent(f"no event {event_id}", {"eventID": event_id})
    return row


_ZULU = "%Y-%m-%dT%H:%M:%S.%fZ"


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime(_ZULU)[:-4] + "Z"  # milliseconds


def event_json(row: EpcisEvent) -> dict[str, Any]:
    """The event as posted, with its eventID (the hash when it had none) and recordTime."""
    stored = orjson.loads(row.document)
    event = dict(stored["event"])
    event.setdefault("eventID", row.event_hash)
    event["recordTime"] = _utc_text(row.recorded_at)
    return event, stored.get("namespaces", {})


def query_document(rows: Sequence[EpcisEvent], now: datetime, query_name: str = "SimpleEventQuery") -> dict[str, Any]:
    """An EPCISQueryDocument of the rows; user-extension prefixes of the events go into @context."""
    events, namespaces = [], {}
    for row in rows:
        event, spaces = event_json(row)
        events.append(event)
        for prefix, iri in spaces.items():
            namespaces.setdefault(prefix, iri)
    context: list[Any] = [EPCIS_CONTEXT]
    if namespaces:
        context.append(namespaces)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc_text(now),
        "epcisBody": {"queryResults": {"queryName": query_name, "resultsBody": {"eventList": events}}},
    }


def single_event(row: EpcisEvent) -> dict[str, Any]:
    event, namespaces = event_json(row)
    return {"@context": [EPCIS_CONTEXT, namespaces] if namespaces else [EPCIS_CONTEXT], **event}


# Top-level resources: path name -> column whose distinct values are listed.
VOCABULARIES = {
    "bizSteps": EpcisEvent.biz_step,
    "dispositions": EpcisEvent.disposition,
    "readPoints": EpcisEvent.read_point,
    "bizLocations": EpcisEvent.biz_location,
}


def vocabulary_members(session: Session, resource: str, scope: Scope, limit: int = 1000) -> list[str]:
    """Distinct values of a top-level resource among the caller's events. Raises `NoSuchVocabulary`."""
    if resource == "eventTypes":
        return list(EVENT_TYPES)
    column = VOCABULARIES.get(resource)
    if column is None:
        raise NoSuchVocabulary(f"no top-level resource {resource}", {"resource": resource})
    statement = _scoped(select(distinct(column)), scope).where(column.is_not(None), column != "").order_by(column)
    return [value for (value,) in session.execute(statement.limit(limit)).all()]


def resource_query(resource: str, value: str, base: EventQuery) -> EventQuery:
    """The query of ``/{resource}/{value}/events``: the base query constrained by the path."""
    if resource == "eventTypes":
        if value not in EVENT_TYPES:
            raise NoSuchVocabulary(f"no event type {value}", {"eventType": value})
        if base.event_types and value not in base.event_types:
            raise QueryParameterInvalid(f"eventType {base.event_types} contradicts the path's {value}",
                                        {"parameter": "eventType"})
        return replace(base, event_types=(value,))
    if resource == "epcs":
        return replace(base, matches=base.matches + (_identifiers("epc", value, _MATCH_ROLES["MATCH_anyEPC"]),))
    if resource == "bizSteps":
        return replace(base, biz_steps=_vocabulary("bizStep", value, Kind.BIZ_STEP))
    if resource == "dispositions":
        return replace(base, dispositions=_vocabulary("disposition", value, Kind.DISPOSITION))
    if resource == "readPoints":
        return replace(base, read_points=(value,))
    if resource == "bizLocations":
        return replace(base, biz_locations=(value,))
    raise NoSuchVocabulary(f"no top-level resource {resource}", {"resource": resource})
