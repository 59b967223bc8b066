"""Ad events: publishers post signed batches of impressions, clicks and conversions.

Authentication is the body signature, not a credential: the publisher names itself
with ``X-Trustledger-Publisher`` (its chain address) and signs the exact body bytes
with one of its registered keys (``X-Trustledger-Timestamp``, ``X-Trustledger-Signature``;
see ``backend.ads.signatures``). So the route's access policy is public, and no secret
of the publisher's is stored here. An API key on top was rejected: it would add a
bearer secret we hold and a second lookup per batch, and prove nothing the signature
does not.

Answers: 202 once the batch is committed (per-event reasons for filtered, duplicate
and rejected events); 401 for an unknown publisher or a missing, bad or stale
signature; 409 for a body accepted before; 413 for over 4 MiB or over 10,000 events;
422 for a malformed body or a batch with no valid event; 429 (Retry-After) past the
publisher's events or bytes per second, counted once the signature names the publisher,
so no one can spend another publisher's allowance. Only the 202 stores anything.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from backend.ads.api_schemas import EventBatchAccepted
from backend.ads.campaign_states import CampaignStates
from backend.ads.intake import MAX_BODY_BYTES, PUBLISHER_HEADER, BatchIntake, Intake, IntakeRefused, rejections
from backend.ads.settings import ingest_components
from backend.ads.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from backend.api.auth import NowDep, public
from backend.api.errors import ApiError
from backend.api.gc_freeze import freeze_once
from backend.api.limits import limiter_of
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.limits.limiter import LimitClass, Limiter

router = APIRouter(prefix="/events", tags=["events"])


async def batch_intake(request: Request) -> BatchIntake:
    """The app's ingest path, built on first use: Redis clients, traffic lists and caches live as long as the app.

    Async, like ``signed_body``: a sync dependency costs a hop through the thread pool on
    every request, and this one does no I/O once built. Running on the event loop with no
    ``await`` inside, the first build cannot race another.
    """
    intake = getattr(request.app.state, "ads_intake", None)
    if intake is None:
        settings: Settings = request.app.state.settings
        intake = request.app.state.ads_intake = BatchIntake(
            engine_for(settings.database_url),
            ingest_components(settings),
            CampaignStates(settings.manifest_path, settings.settlement_reserve_bps),
            settings.epoch_seconds,
        )
        _freeze_long_lived_objects()
    return intake


def _freeze_long_lived_objects() -> None:
    """The ingest path's state out of the collector's sight (``backend/api/gc_freeze``).

    A batch keeps tens of thousands of objects alive for a while, so some reach the
    oldest generation and trigger full collections, which walked the ~300,000 objects of
    start-up every few batches: 38 ms of the API's CPU per 1,000-event batch without
    this, 31 ms with it.
    """
    freeze_once("ingest")


async def signed_body(request: Request) -> bytes:
    """The body exactly as sent (the signature covers these bytes), refused past MAX_BODY_BYTES while reading."""
    too_large = ApiError(413, "body_too_large", f"a batch body holds at most {MAX_BODY_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "",
    status_code=202,
    dependencies=[public()],
    response_model=None,
    responses={202: {"model": EventBatchAccepted, "description": "committed; per-event outcomes"}},
)
async def post_events(
    request: Request,
    body: Annotated[bytes, Depends(signed_body)],
    intake: Annotated[BatchIntake, Depends(batch_intake)],
    now: NowDep,
    publisher: Annotated[str, Header(alias=PUBLISHER_HEADER, description="the publisher's chain address")],
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER, description="unix seconds of signing")] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER, description="hex signature")] = None,
) -> Response:
    """Store a signed batch (1 to 10,000 events) and answer what became of each event."""
    limiter = limiter_of(request)
    admit = None if limiter is None else partial(_admit, limiter)
    try:
        accepted = await run_in_threadpool(
            partial(
                intake.receive, body, publisher=publisher, timestamp=timestamp, signature=signature, now=now, admit=admit
            )
        )
    except IntakeRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.details) from None
    # Serialised by hand: a response model would validate every listed event again.
    return Response(orjson.dumps(_answer(accepted)), status_code=202, media_type="application/json")


def _admit(limiter: Limiter, publisher: str, events: int, size: int) -> None:
    limiter.check_all([(LimitClass.EVENT_BYTES_PER_PUBLISHER, publisher, size), (LimitClass.EVENTS_PER_PUBLISHER, publisher, events)])


def _answer(intake: Intake) -> dict:
    report = intake.report
    return {
        "batch_id": report.batch_id,
        "publisher": intake.publisher,
        "received_at": intake.received_at,
        "epoch": intake.epoch,
        "counts": {
            "events": len(report.accepted) + len(report.filtered) + len(report.duplicates) + len(report.rejected),
            "accepted": len(report.accepted),
            "filtered": len(report.filtered),
            "duplicates": len(report.duplicates),
            "rejected": len(report.rejected),
        },
        "filtered": [{"event_id": event_id, "reason": reason} for event_id, reason in report.filtered.items()],
        "duplicates": list(report.duplicates),
        "rejected": rejections(report.rejected),
    }
