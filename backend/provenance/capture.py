"""Capture jobs of the EPCIS 2.0 REST binding: one EPCISDocument in, every event hashed and stored.

A job is written (running) and committed before its document is processed, so an accepted
capture is never lost and never claims more than happened. Processing goes through the
same calls as ``POST /v1/products/events``: `parse_events` (with every validation layer it
applies), then `service.store_events` per brand, so each event gets its canonical hash and
waits for the anchoring pass exactly like an event posted there.

The brand of an event is the brand of the products it names (the binding has no brand
parameter); the actor must serve that brand (on-chain authorisation, `actor_serves`).

``GS1-Capture-Error-Behaviour``:

- ``rollback`` (the default): any refused event and nothing is stored; the job lists every error.
- ``proceed``: the valid events are stored; the job lists the refused ones by event index.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlmodel import Session, select

from backend.core import errors as kinds
from backend.provenance import service
from backend.provenance.epcis import InvalidEpcis, Problem, ValidatedEvent, parse_events
from backend.provenance.models import CaptureJob, Product


class ErrorBehaviour(StrEnum):
    ROLLBACK = "rollback"
    PROCEED = "proceed"


class CaptureRefused(kinds.Refusal):
    """Family of refusals of a capture request as a whole."""


class UnknownErrorBehaviour(kinds.Case, CaptureRefused, kinds.Malformed):
    code = "unknown_capture_error_behaviour"


class NotAnEpcisDocument(kinds.Case, CaptureRefused, kinds.Malformed):
    code = "not_an_epcis_document"


class CaptureLimitExceeded(kinds.Case, CaptureRefused, kinds.TooLarge):
    code = "capture_limit_exceeded"


class CaptureJobNotFound(kinds.Case, CaptureRefused, kinds.NotFound):
    code = "no_such_capture_job"


# Exception names of the EPCIS 2.0 standard, recorded in a job's errors.
VALIDATION = "epcisException:ValidationException"
SECURITY = "epcisException:SecurityException"
IMPLEMENTATION = "epcisException:ImplementationException"

_EVENT_REASON = re.compile(r"^event (\d+): (.*)$", re.S)


def error_behaviour(header: str | None) -> ErrorBehaviour:
    """The value of ``GS1-Capture-Error-Behaviour`` (absent: rollback). Raises `UnknownErrorBehaviour`."""
    if header is None or header.strip() == "":
        return ErrorBehaviour.ROLLBACK
    try:
        return ErrorBehaviour(header.strip().lower())
    except ValueError:
        raise UnknownErrorBehaviour(
            f"GS1-Capture-Error-Behaviour {header!r} must be rollback or proceed", {"header": header}
        ) from None


def event_count(document: Any) -> int:
    """How many events a capture document carries. Raises `NotAnEpcisDocument`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("epcisBody"), Mapping):
        raise NotAnEpcisDocument("the capture body must be an EPCISDocument with an epcisBody")
    body = document["epcisBody"]
    if isinstance(body.get("eventList"), list):
        return len(body["eventList"])
    return 1 if "event" in body else 0


def check_size(size: int, size_limit: int) -> None:
    """Raises `CaptureLimitExceeded` for a document over the advertised size limit."""
    if size > size_limit:
        raise CaptureLimitExceeded(
            f"the document is {size} bytes; GS1-EPCIS-Capture-File-Size-Limit is {size_limit}",
            {"size": size, "limit": size_limit},
        )


def check_count(document: Any, count_limit: int) -> int:
    """The document's event count, within the advertised limit. Raises `CaptureLimitExceeded`."""
    count = event_count(document)
    if count > count_limit:
        raise CaptureLimitExceeded(
            f"the document holds {count} events; GS1-EPCIS-Capture-Limit is {count_limit}",
            {"events": count, "limit": count_limit},
        )
    return count


def open_job(session: Session, *, actor_id: uuid.UUID, behaviour: ErrorBehaviour, events: int, at: datetime) -> CaptureJob:
    """A new running job; the caller commits it before `run`."""
    job = CaptureJob(id=str(uuid.uuid4()), actor_id=actor_id, error_behaviour=behaviour.value, event_count=events,
                     created_at=at)
    session.add(job)
    session.flush()
    return job


def job_of(session: Session, capture_id: str, actor_id: uuid.UUID) -> CaptureJob:
    """An actor's own job (another's is not found either). Raises `CaptureJobNotFound`."""
    job = session.get(CaptureJob, capture_id)
    if job is None or job.actor_id != actor_id:
        raise CaptureJobNotFound(f"no capture job {capture_id}", {"captureID": capture_id})
    return job


def jobs_of(session: Session, actor_id: uuid.UUID, limit: int = 100) -> list[CaptureJob]:
    """An actor's latest jobs, newest first."""
    statement = (
        select(CaptureJob).where(CaptureJob.actor_id == actor_id).order_by(CaptureJob.created_at.desc()).limit(limit)
    )
    return list(session.exec(statement))


def job_errors(job: CaptureJob) -> list[dict[str, Any]]:
    return orjson.loads(job.errors)


def _error(kind: str, title: str, detail: str, index: int | None = None, pointer: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": kind, "title": title, "detail": detail}
    if index is not None:
        entry["eventIndex"] = index
    if pointer:
        entry["pointer"] = pointer
    return entry


def _problem_errors(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [_error(VALIDATION, "invalid event" if p.event is not None else "invalid document", p.message,
                   p.event, p.pointer) for p in problems]


@dataclass
class _Outcome:
    recorded: int
    errors: list[dict[str, Any]]


def _single_event_documents(document: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Each event of the document as a document of its own (same header and @context), to validate
    one by one; None when the events are not an eventList."""
    events = document["epcisBody"].get("eventList")
    if not isinstance(events, list):
        return None
    header = {key: value for key, value in document.items() if key != "epcisBody"}
    return [{**header, "epcisBody": {"eventList": [event]}} for event in events]


def _validate(document: Any, behaviour: ErrorBehaviour, now: datetime) -> tuple[list[tuple[int, ValidatedEvent]], list[dict]]:
    """(index, event) of the valid events and the errors of the others; rollback keeps none on any error."""
    try:
        return list(enumerate(parse_events(document, now))), []
    except InvalidEpcis as exc:
        problems = exc.problems
    singles = _single_event_documents(document) if isinstance(document, Mapping) else None
    if behaviour is ErrorBehaviour.ROLLBACK or singles is None or any(p.event is None for p in problems):
        return [], _problem_errors(problems)
    valid, errors = [], []
    for index, single in enumerate(singles):
        try:
            (event,) = parse_events(single, now)
        except InvalidEpcis as exc:
            base = "/epcisBody/eventList/0"
            errors += [
                _error(VALIDATION, "invalid event", p.message, index,
                       f"/epcisBody/eventList/{index}" + p.pointer.removeprefix(base))
                for p in exc.problems
            ]
            continue
        valid.append((index, event))
    return valid, errors


def _brands(session: Session, events: Sequence[tuple[int, ValidatedEvent]]) -> dict[str, uuid.UUID]:
    gtins = sorted({gtin for _, event in events for gtin, _ in event.items})
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(gtins), 500):
        chunk = gtins[start:start + 500]
        found.update(session.exec(select(Product.gtin, Product.brand_id).where(Product.gtin.in_(chunk))).all())
    return found


def _record_group(
    session: Session, actor_id: uuid.UUID, brand_id: uuid.UUID, group: list[tuple[int, ValidatedEvent]],
    behaviour: ErrorBehaviour,
) -> _Outcome:
    """Record one brand's events; in proceed mode, one by one when the group is refused. (`store_events`
    checks everything before it writes anything, so a refused call leaves nothing behind.)"""
    try:
        service.store_events(session, actor_id=actor_id, brand_id=brand_id, events=[e for _, e in group])
        return _Outcome(len(group), [])
    except service.EventsRejected as exc:
        if behaviour is ErrorBehaviour.ROLLBACK:
            return _Outcome(0, [_rejection(reason, group) for reason in exc.reasons])
    outcome = _Outcome(0, [])
    for index, event in group:
        try:
            service.store_events(session, actor_id=actor_id, brand_id=brand_id, events=[event])
            outcome.recorded += 1
        except service.EventsRejected as exc:
            outcome.errors += [_rejection(reason, [(index, event)]) for reason in exc.reasons]
    return outcome


def _rejection(reason: str, group: Sequence[tuple[int, ValidatedEvent]]) -> dict[str, Any]:
    """A reason of `store_events` ("event <i in group>: ...") with the index in the captured document."""
    match = _EVENT_REASON.match(reason)
    if match is None or int(match.group(1)) >= len(group):
        return _error(VALIDATION, "event refused", reason)
    return _error(VALIDATION, "event refused", match.group(2), group[int(match.group(1))][0])


def _store(session: Session, actor_id: uuid.UUID, events: list[tuple[int, ValidatedEvent]], behaviour: ErrorBehaviour) -> _Outcome:
    brands = _brands(session, events)
    groups: dict[uuid.UUID, list[tuple[int, ValidatedEvent]]] = {}
    outcome = _Outcome(0, [])
    for index, event in events:
        owners = {brands.get(gtin) for gtin, _ in event.items}
        if not event.items:
            outcome.errors.append(_error(VALIDATION, "event refused", "names no serialised item (an EPC URI or Digital "
                                         "Link with GTIN and serial)", index))
        elif None in owners:
            unknown = sorted(gtin for gtin, _ in event.items if gtin not in brands)
            outcome.errors.append(_error(VALIDATION, "event refused", f"GTIN {unknown[0]} is not a registered product",
                                         index))
        elif len(owners) > 1:
            outcome.errors.append(_error(VALIDATION, "event refused", "names products of more than one brand", index))
        else:
            groups.setdefault(owners.pop(), []).append((index, event))
    for brand_id, group in groups.items():
        if not service.actor_serves(session, brand_id=brand_id, actor_id=actor_id):
            outcome.errors += [_error(SECURITY, "actor not authorised", f"this actor does not serve brand {brand_id}",
                                      index) for index, _ in group]
            continue
        if behaviour is ErrorBehaviour.ROLLBACK and outcome.errors:
            break  # nothing will be kept
        done = _record_group(session, actor_id, brand_id, group, behaviour)
        outcome.recorded += done.recorded
        outcome.errors += done.errors
    outcome.errors.sort(key=lambda entry: entry.get("eventIndex", -1))
    return outcome


def run(session: Session, job: CaptureJob, document: Any, now: datetime) -> CaptureJob:
    """Validate and store the job's document, then finish the job; commits. Never raises a refusal:
    every reason ends up in the job's errors."""
    behaviour = ErrorBehaviour(job.error_behaviour)
    actor_id, job_id = job.actor_id, job.id
    valid, errors = _validate(document, behaviour, now)
    recorded = 0
    if valid and not (behaviour is ErrorBehaviour.ROLLBACK and errors):
        stored = _store(session, actor_id, valid, behaviour)
        errors = sorted(errors + stored.errors, key=lambda entry: entry.get("eventIndex", -1))
        recorded = stored.recorded
    if behaviour is ErrorBehaviour.ROLLBACK and errors:
        session.rollback()
        recorded = 0
    job = session.get(CaptureJob, job_id)
    job.running = False
    job.success = not errors
    job.recorded_count = recorded
    job.errors = orjson.dumps(errors).decode()
    job.finished_at = now
    session.add(job)
    session.commit()
    return job


def fail(session: Session, job_id: str, now: datetime, detail: str) -> None:
    """Finish a job that broke on an unexpected error: nothing of it is kept."""
    session.rollback()
    job = session.get(CaptureJob, job_id)
    if job is None:
        return
    job.running, job.success, job.recorded_count, job.finished_at = False, False, 0, now
    job.errors = orjson.dumps([_error(IMPLEMENTATION, "capture failed", detail)]).decode()
    session.add(job)
    session.commit()
