"""``Idempotency-Key`` for endpoints that move money or change state on chain.

Decorate the endpoint (under the router decorator) with ``@idempotent``::

    @router.post("/{campaign_id}/fund", status_code=202)
    @idempotent
    def fund(campaign_id: UUID, body: FundRequest, grant: ..., session: SessionDep) -> FundPublic:
        ...  # add and flush; do NOT commit

A key is scoped to the calling participant and the endpoint (method + path template):

1. First request: the key is claimed in its own short transaction, so a concurrent
   duplicate sees the claim and gets 409 ``idempotency_request_in_progress``.
2. The endpoint runs on the request's session without committing; the decorator
   stores the response (status + body) on the claim and commits once, so the work,
   its outbox rows and the stored response commit together or not at all.
3. A replay with the same request (path, query and parsed body) returns the stored
   response byte for byte, with ``Idempotent-Replayed: true``; the same key with a
   different request is 409 ``idempotency_key_reused``.
4. An endpoint that fails (any exception, e.g. a 4xx ApiError) rolls back and releases
   the claim, so the key may be retried; only successful responses are stored.
   A claim left by a crashed process expires after ``CLAIM_LEASE`` and may then be
   taken over: completion is conditional on still holding the claim, so two holders
   can never both commit.

Rejected: storing the response in a dependency's exit code (it never sees the
response) and an ASGI middleware (it would have to rebuild auth and the body hash
outside FastAPI). Never put it on an endpoint whose response holds a secret (API key
creation): the stored response would keep the secret in the database.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import TypeAdapter
from sqlalchemy import Engine, delete, event, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.api.auth import CurrentPrincipal
from backend.api.deps import SessionDep
from backend.api.errors import ApiError
from backend.identity.models import IdempotencyRecord, IdempotencyState, utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CLAIM_LEASE = timedelta(minutes=2)


class IdempotentEndpointCommitted(RuntimeError):
    """An @idempotent endpoint committed by itself; the decorator must own the commit."""


@dataclass(frozen=True)
class _Claim:
    record_id: uuid.UUID
    claimed_at: datetime


@dataclass(frozen=True)
class _Replay:
    status: int
    body: str


def idempotent(endpoint: Callable | None = None, *, required: bool = True) -> Any:
    """Make a sync endpoint idempotent under the ``Idempotency-Key`` header (required by default)."""
    if endpoint is None:
        return functools.partial(idempotent, required=required)
    if inspect.iscoroutinefunction(endpoint):
        raise TypeError("@idempotent wraps sync endpoints (the session is sync)")
    signature = inspect.signature(endpoint, eval_str=True)
    key_annotation = Annotated[
        str if required else str | None,
        Header(alias=HEADER, min_length=1, max_length=255, description="unique per intended operation"),
    ]
    extra = [
        inspect.Parameter("idempotency_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("idempotency_principal", inspect.Parameter.KEYWORD_ONLY, annotation=CurrentPrincipal),
        inspect.Parameter("idempotency_session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep),
        inspect.Parameter(
            "idempotency_key",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=key_annotation,
            **({} if required else {"default": None}),
        ),
    ]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request: Request = kwargs.pop("idempotency_request")
        principal = kwargs.pop("idempotency_principal")
        session: Session = kwargs.pop("idempotency_session")
        key: str | None = kwargs.pop("idempotency_key")
        if key is None:
            return endpoint(*args, **kwargs)
        route = request.scope["route"]
        scope = (principal.participant.id, f"{request.method} {route.path_format}", key)
        fingerprint = _fingerprint(request, {field.name: kwargs.get(field.name) for field in route.dependant.body_params})
        outcome = _claim(session.get_bind(), scope, fingerprint)
        if isinstance(outcome, _Replay):
            return _response(outcome.status, outcome.body, replayed=True)
        return _run(endpoint, args, kwargs, route, session, outcome)

    wrapper.__name__ = endpoint.__name__
    wrapper.__qualname__ = endpoint.__qualname__
    wrapper.__doc__ = endpoint.__doc__
    wrapper.__module__ = endpoint.__module__
    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])
    return wrapper


def _run(endpoint: Callable, args: tuple, kwargs: dict, route, session: Session, claim: _Claim) -> Response:
    def refuse_commit(_session: Session) -> None:
        raise IdempotentEndpointCommitted(f"{endpoint.__qualname__} committed; @idempotent endpoints only flush")

    engine = session.get_bind()
    try:
        event.listen(session, "before_commit", refuse_commit)
        try:
            result = endpoint(*args, **kwargs)
        finally:
            event.remove(session, "before_commit", refuse_commit)
        status, body = _render(route, result)
        completed = session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == claim.record_id,
                IdempotencyRecord.state == IdempotencyState.IN_PROGRESS,
                IdempotencyRecord.claimed_at == claim.claimed_at,
            )
            .values(
                state=IdempotencyState.COMPLETED, response_status=status, response_body=body, completed_at=utcnow()
            )
        )
        if completed.rowcount != 1:
            raise ApiError(409, "idempotency_request_in_progress", "another request took over this Idempotency-Key")
        session.commit()
    except BaseException:
        # Nothing of this request commits; the claim goes (only if still ours) so the key can be retried.
        session.rollback()
        _release(engine, claim)
        raise
    return _response(status, body, replayed=False)


def _claim(engine: Engine, scope: tuple[uuid.UUID, str, str], fingerprint: str) -> _Claim | _Replay:
    participant_id, endpoint, key = scope
    where = (
        IdempotencyRecord.participant_id == participant_id,
        IdempotencyRecord.endpoint == endpoint,
        IdempotencyRecord.key == key,
    )
    now = utcnow()
    with Session(engine) as claims:
        record = claims.exec(select(IdempotencyRecord).where(*where)).first()
        if record is None:
            record = IdempotencyRecord(
                participant_id=participant_id, endpoint=endpoint, key=key, request_hash=fingerprint, claimed_at=now
            )
            claims.add(record)
            try:
                claims.commit()
                return _Claim(record.id, now)
            except IntegrityError:
                claims.rollback()  # a concurrent duplicate claimed it first
                record = claims.exec(select(IdempotencyRecord).where(*where)).one()
        if record.request_hash != fingerprint:
            raise ApiError(409, "idempotency_key_reused", f"this {HEADER} was used for a different request")
        if record.state == IdempotencyState.COMPLETED:
            return _Replay(record.response_status, record.response_body)
        if record.claimed_at > now - CLAIM_LEASE:
            raise ApiError(409, "idempotency_request_in_progress", f"a request with this {HEADER} is in progress")
        # A stale claim: its request died before committing (completion commits with the work).
        taken = claims.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record.id, IdempotencyRecord.claimed_at == record.claimed_at)
            .values(claimed_at=now)
        )
        claims.commit()
        if taken.rowcount != 1:
            raise ApiError(409, "idempotency_request_in_progress", f"a request with this {HEADER} is in progress")
        return _Claim(record.id, now)


def _release(engine: Engine, claim: _Claim) -> None:
    with Session(engine) as claims:
        claims.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == claim.record_id,
                IdempotencyRecord.state == IdempotencyState.IN_PROGRESS,
                IdempotencyRecord.claimed_at == claim.claimed_at,
            )
        )
        claims.commit()


def _fingerprint(request: Request, bodies: dict[str, Any]) -> str:
    """SHA-256 of the request as parsed: path, query and body values (key order and spacing ignored)."""
    canonical = json.dumps(
        {
            "path": dict(request.path_params),
            "query": sorted(request.query_params.multi_items()),
            "body": jsonable_encoder(bodies),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _render(route, result: Any) -> tuple[int, str]:
    """Status and JSON text of the response FastAPI would have sent for `result`."""
    if isinstance(result, Response):
        return result.status_code, bytes(result.body).decode()
    status = route.status_code or 200
    if status == 204:
        return status, ""
    if route.response_model is None:
        return status, json.dumps(jsonable_encoder(result))
    adapter = TypeAdapter(route.response_model)
    return status, adapter.dump_json(adapter.validate_python(result, from_attributes=True)).decode()


def _response(status: int, body: str, *, replayed: bool) -> Response:
    return Response(
        content=body,
        status_code=status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"} if replayed else None,
    )
