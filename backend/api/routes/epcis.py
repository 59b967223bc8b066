"""The EPCIS 2.0 REST binding (GS1 EPCIS 2.0, section 12), beside /v1: capture and query.

- ``POST /epcis/capture``: an EPCISDocument; 202 with ``Location: /epcis/capture/{captureID}``.
  The job is committed before the document is processed, then processed in the request
  (the same path as ``POST /v1/products/events``: every event hashed, stored, and anchored by
  the anchoring pass), so the job the 202 points to is already finished when it is read.
- ``GET /epcis/capture[/{captureID}]``: the caller's capture jobs.
- ``GET /epcis/events`` and the top-level resources (``eventTypes``, ``epcs``, ``bizSteps``,
  ``dispositions``, ``readPoints``, ``bizLocations``): EPCISQueryDocuments, paged with
  ``perPage`` / ``nextPageToken`` and a ``Link: <...>; rel="next"`` header.

Who may call: capture, supply-chain actors (as ``POST /v1/products/events``); queries, brands
(their products' events) and actors (the events they recorded). Errors are RFC 7807
problems (`backend.api.epcis_problems`); the GS1 headers are added by `backend.api.gs1_headers`.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session

from backend.api.auth import Access, Grant, NowDep
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.identity.roles import Role
from backend.provenance import capture, epcis_query
from backend.provenance.epcis_query import EventQuery, Scope
from backend.provenance.models import CaptureJob

router = APIRouter(prefix="/epcis", tags=["EPCIS 2.0"])

ActorGrant = Annotated[Grant, Depends(Access([Role.SUPPLY_CHAIN_ACTOR]))]
ReaderGrant = Annotated[Grant, Depends(Access([Role.BRAND, Role.SUPPLY_CHAIN_ACTOR]))]
LD_JSON = "application/ld+json"


def _scope(grant: Grant) -> Scope:
    if grant.principal.role is Role.BRAND:
        return Scope(brand_id=grant.participant.id)
    return Scope(actor_id=grant.participant.id)


def _media_type(request: Request) -> str:
    return LD_JSON if LD_JSON in request.headers.get("accept", "") else "application/json"


def _json(request: Request, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), media_type=_media_type(request), headers=headers)


# ---- capture -------------------------------------------------------------------------------------------


def _job_json(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": job.id,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "eventCount": job.event_count,
        "recordedCount": job.recorded_count,
        "errors": capture.job_errors(job),
    }


def _capture(session: Session, actor_id, behaviour: capture.ErrorBehaviour, document: Any, count: int, now: datetime) -> str:
    job = capture.open_job(session, actor_id=actor_id, behaviour=behaviour, events=count, at=now)
    job_id = job.id
    session.commit()  # accepted: the job exists before any work on it
    try:
        capture.run(session, job, document, now)
    except Exception as exc:  # the job must not stay "running" for ever; the trace goes to the log
        capture.fail(session, job_id, now, "the capture failed on the server; nothing of it was stored")
        raise exc
    return job_id


@router.post("/capture", status_code=202, response_class=Response)
async def capture_document(request: Request, grant: ActorGrant, session: SessionDep, settings: SettingsDep, now: NowDep) -> Response:
    """Capture an EPCISDocument; honours ``GS1-Capture-Error-Behaviour: rollback|proceed``."""
    behaviour = capture.error_behaviour(request.headers.get("GS1-Capture-Error-Behaviour"))
    declared = request.headers.get("content-length", "")
    if declared.isdigit():  # refused before the body is read
        capture.check_size(int(declared), settings.epcis_capture_file_size_limit)
    raw = await request.body()
    capture.check_size(len(raw), settings.epcis_capture_file_size_limit)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise capture.NotAnEpcisDocument(f"the body is not JSON: {exc}") from None
    count = capture.check_count(document, settings.epcis_capture_limit)
    job_id = await run_in_threadpool(_capture, session, grant.participant.id, behaviour, document, count, now)
    return Response(status_code=202, headers={"Location": f"/epcis/capture/{job_id}"})


@router.get("/capture")
def capture_jobs(request: Request, grant: ActorGrant, session: SessionDep) -> Response:
    """The caller's latest capture jobs, newest first."""
    return _json(request, [_job_json(job) for job in capture.jobs_of(session, grant.participant.id)])


@router.get("/capture/{capture_id}")
def capture_job(capture_id: str, request: Request, grant: ActorGrant, session: SessionDep) -> Response:
    """One capture job: running, success, captureErrorBehaviour and the errors by event index."""
    return _json(request, _job_json(capture.job_of(session, capture_id, grant.participant.id)))


# ---- query ---------------------------------------------------------------------------------------------


def _query(request: Request, settings) -> EventQuery:
    return epcis_query.parse_query(request.query_params.multi_items(), max_per_page=settings.epcis_max_per_page)


def _page(request: Request, session: Session, query: EventQuery, scope: Scope, now: datetime) -> Response:
    page = epcis_query.run_query(session, query, scope)
    headers = {}
    if page.next_token is not None:
        kept = [(name, value) for name, value in request.query_params.multi_items() if name != "nextPageToken"]
        kept.append(("nextPageToken", page.next_token))
        headers["Link"] = f'<{request.url.replace(query=urlencode(kept))}>; rel="next"'
    return _json(request, epcis_query.query_document(page.events, now), headers)


@router.get("/events")
def events(request: Request, grant: ReaderGrant, session: SessionDep, settings: SettingsDep, now: NowDep) -> Response:
    """Events matching the SimpleEventQuery parameters, one page at a time."""
    return _page(request, session, _query(request, settings), _scope(grant), now)


@router.get("/events/{event_id:path}")
def event(event_id: str, request: Request, grant: ReaderGrant, session: SessionDep) -> Response:
    """One event by its eventID (or its event hash)."""
    return _json(request, epcis_query.single_event(epcis_query.event_by_id(session, event_id, _scope(grant))))


def _collection(request: Request, members: list[str]) -> Response:
    return _json(request, {"@context": epcis_query.EPCIS_CONTEXT, "type": "Collection", "member": members})


def _resource_routes(resource: str) -> None:
    def listing(request: Request, grant: ReaderGrant, session: SessionDep) -> Response:
        return _collection(request, epcis_query.vocabulary_members(session, resource, _scope(grant)))

    def resource_events(
        value: str, request: Request, grant: ReaderGrant, session: SessionDep, settings: SettingsDep, now: NowDep
    ) -> Response:
        query = epcis_query.resource_query(resource, value, _query(request, settings))
        return _page(request, session, query, _scope(grant), now)

    listing.__doc__ = f"The {resource} among the caller's events."
    resource_events.__doc__ = f"Events of one of the {resource} (the query parameters of /epcis/events apply)."
    if resource != "epcs":
        router.add_api_route(f"/{resource}", listing, methods=["GET"], name=f"epcis_{resource}")
    router.add_api_route(f"/{resource}/{{value:path}}/events", resource_events, methods=["GET"],
                         name=f"epcis_{resource}_events")


for _resource in ("eventTypes", "epcs", "bizSteps", "dispositions", "readPoints", "bizLocations"):
    _resource_routes(_resource)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
def unknown(rest: str) -> None:
    raise ApiError(404, "no_such_resource", f"/epcis/{rest} is not a resource of this EPCIS interface")
