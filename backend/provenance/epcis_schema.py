"""The official EPCIS 2.0 JSON schema, applied as the first layer of `epcis.parse_events`.

The schema is GS1's (``data/epcis-schema/EPCIS-JSON-Schema.json``, from github.com/gs1/EPCIS,
source commit and licence notice in that folder's README). It is compiled once per process
into a Draft 7 validator; `schema_problems` turns every violation into (event index, RFC 6901
pointer of the field, message), the shape `epcis.InvalidEpcis` reports. Imports go one way:
`epcis` uses this module, this module knows nothing of `epcis`.

Two narrow deviations, both because the schema contradicts the standard's own examples:

* ``quantityElement`` lists ``quantity`` as required; EPCIS 2.0 (section 7.3.3) makes it
  optional, and the reference hash documents omit it. Here only ``epcClass`` is required.
* trustledger's own shapes keep working: a bare event posted to its events API needs no
  ``@context`` (the schema's top level demands one for a standalone event), and a body with
  an ``epcisBody`` but no ``type`` (trustledger's document before EPCIS 2.0 conformance) is
  not held to the EPCISDocument header rules (``@context``, ``schemaVersion``,
  ``creationDate``). Their events are still checked against the schema's event definitions,
  exactly as the events of a document are. A body that says ``"type": "EPCISDocument"`` or
  ``"EPCISQueryDocument"`` gets the whole schema.

CPU: a conforming document (the common case) is checked by the same schema compiled to Python
code with fastjsonschema (about 30x faster than jsonschema's interpreter); only a document it
refuses is walked again by jsonschema 4 (`Draft7Validator.iter_errors`), which reports every
violation with its path. ``format`` keywords (``uri``, ``date-time``) are not asserted by the schema layer: the
project's rules check those values more strictly (real dates, time zone, GS1 keys with
check digits, declared CURIE prefixes) and with better messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_PATH = Path(__file__).parent / "data" / "epcis-schema" / "EPCIS-JSON-Schema.json"
# Where the events of each document type live (the segment after it is the event index).
_EVENT_LISTS = (("epcisBody", "eventList"), ("epcisBody", "queryResults", "resultsBody", "eventList"))


def _escape(name: Any) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text())
    # Deviation 1 (see module docstring): quantity is optional in EPCIS 2.0.
    schema["definitions"]["quantityElement"]["required"] = ["epcClass"]
    return schema


@lru_cache(maxsize=1)
def document_validator() -> Draft7Validator:
    """The whole schema: an EPCISDocument, an EPCISQueryDocument or a standalone event."""
    schema = _schema()
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@lru_cache(maxsize=1)
def event_validator() -> Draft7Validator:
    """One event as it appears in a document's event list (deviation 2: no @context needed)."""
    schema = _schema()
    return Draft7Validator({**schema, "allOf": [{"$ref": "#/definitions/EPCIS-Document-Event"}]})


@lru_cache(maxsize=2)
def _fast(standalone_event: bool) -> Any:
    """The same schema compiled to Python code: raises on the first violation, at a fraction of the CPU."""
    validator = event_validator() if standalone_event else document_validator()
    return _compile(validator.schema)


# The anyOf-free dispatch of ``EPCIS-Document-Event``: its ``allOf`` of ``if type == X then X``
# applies exactly one event definition, the one its type names (``Extended-Event`` for any other).
EVENT_DEFINITIONS = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
# Where the schema checks the events of each document type (its only references to ``eventList``).
_DOCUMENT_EVENTS = {
    "EPCISDocument": ("epcisBody", "eventList"),
    "EPCISQueryDocument": ("epcisBody", "queryResults", "resultsBody", "eventList"),
}


def _compile(schema: dict[str, Any]) -> Any:
    return fastjsonschema.compile(_without_property_names(schema), use_default=False, use_formats=False)


@lru_cache(maxsize=len(EVENT_DEFINITIONS) + 2)
def _fast_event(definition: str) -> Any:
    """One event definition compiled on its own."""
    schema = _schema()
    top = {key: value for key, value in schema.items() if key in ("$id", "$schema", "definitions")}
    return _compile({**top, "allOf": [{"$ref": f"#/definitions/{definition}"}]})


@lru_cache(maxsize=1)
def _fast_shell() -> Any:
    """The whole schema with each event of an event list held only to ``EPCIS-Document-Event``'s own
    top-level rules (an object whose type is a string); `_conforms` checks the events one by one."""
    schema = _schema()
    definitions = dict(schema["definitions"])
    event = definitions["EPCIS-Document-Event"]
    definitions["EPCIS-Document-Event"] = {key: value for key, value in event.items() if key != "allOf"}
    return _compile({**schema, "definitions": definitions})


def _check_event(event: Any) -> None:
    if isinstance(event, dict) and isinstance(event.get("type"), str):
        kind = event["type"]
        _fast_event(kind if kind in EVENT_DEFINITIONS else "Extended-Event")(event)
    else:
        _fast_event("EPCIS-Document-Event")(event)


def _events_at(body: Any, path: tuple[str, ...]) -> list[Any] | None:
    node = body
    for name in path:
        if not isinstance(node, dict) or name not in node:
            return None
        node = node[name]
    return node if isinstance(node, list) else None


def _conforms(body: Any, standalone_event: bool) -> None:
    """Raises `fastjsonschema.JsonSchemaValueException` on a violation; the same verdict as `_fast`,
    with each event checked against the definition its type names instead of trying all of them
    (in the compiled schema every ``if`` that fails raises and catches an exception: five per
    event). Any other shape goes through `_fast` as it is."""
    if standalone_event:
        if isinstance(body, dict) and isinstance(body.get("type"), str):
            _check_event(body)  # the event validator's top level asks no more than the event definition
        else:
            _fast(True)(body)
        return
    path = _DOCUMENT_EVENTS.get(body.get("type")) if isinstance(body, dict) else None
    events = _events_at(body, path) if path is not None else None
    if events is None:
        _fast(False)(body)
        return
    _fast_shell()(body)
    for event in events:
        _check_event(event)


def _without_property_names(node: Any) -> Any:
    """Drop ``propertyNames``: every one in the schema is "a known field or a URI", and with
    ``format`` not asserted any string passes it, so the check is vacuous and only costs CPU."""
    if isinstance(node, dict):
        return {key: _without_property_names(value) for key, value in node.items() if key != "propertyNames"}
    if isinstance(node, list):
        return [_without_property_names(value) for value in node]
    return node


def _specific(error: ValidationError) -> ValidationError:
    """The most specific explanation: for an anyOf / oneOf, the sub-error that fits best (its path
    is then the field actually at fault, e.g. ``.../ilmd`` or ``.../action``)."""
    while error.context:
        specific = best_match(error.context)
        if specific is None:
            break
        error = specific
    return error


def _located(path: list[Any]) -> tuple[int | None, str]:
    pointer = "".join(f"/{_escape(part)}" for part in path)
    for prefix in _EVENT_LISTS:
        if tuple(path[: len(prefix)]) == prefix and len(path) > len(prefix) and isinstance(path[len(prefix)], int):
            return path[len(prefix)], pointer
    return None, pointer


SchemaProblem = tuple[int | None, str, str]  # (event index or None, JSON pointer, message)


def _problems(errors: Iterator[ValidationError]) -> list[SchemaProblem]:
    found = []
    for error in errors:
        specific = _specific(error)
        index, pointer = _located(list(specific.absolute_path))
        found.append((index, pointer, f"schema: {specific.message}"))
    found.sort(key=lambda problem: (-1 if problem[0] is None else problem[0], problem[1]))
    return found


def event_list_problems(events: list[Any], base: tuple[str, ...]) -> list[SchemaProblem]:
    """The events of an untyped (trustledger) document, each against the schema's event definitions;
    `base` is the path of the list in the body."""
    found: list[SchemaProblem] = []
    for index, event in enumerate(events):
        for _, pointer, message in schema_problems(event, standalone_event=True):
            found.append((index, "".join(f"/{_escape(part)}" for part in (*base, index)) + pointer, message))
    return found


def schema_problems(body: Mapping[str, Any], *, standalone_event: bool = False) -> list[SchemaProblem]:
    """Every violation of the official schema in a posted body (empty: it conforms)."""
    try:
        _conforms(body, standalone_event)
        return []
    except fastjsonschema.JsonSchemaValueException as fast_error:
        validator = event_validator() if standalone_event else document_validator()
        found = _problems(validator.iter_errors(body))
        if found:
            return found
        # The two implementations disagree (should not happen): report what the compiled one saw.
        index, pointer = _located(list(fast_error.path[1:]))
        return [(index, pointer, f"schema: {fast_error.message}")]
