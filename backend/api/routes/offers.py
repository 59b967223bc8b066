"""Consent offers: advertisers publish funded offers (from their custodial key); anyone browses them.

Offers are read from the indexer's mirror of the ConsentRegistry, so what is listed is
what the chain holds; a publication shows its queued transactions until the offer is
mirrored, then its offer id.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.api.auth import Access, Grant, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.idempotency import idempotent
from backend.consent import mirror, offers
from backend.api.consent_deps import EnqueueDep, deployment_of, writer_of
from backend.consent.errors import OfferUnknown, UnknownOfferPublication
from backend.consent.models import OfferPublication
from backend.consent.schemas import Address, OfferCreate, OfferPublicationOut
from backend.identity.roles import Role

router = APIRouter(prefix="/offers", tags=["offers"])

advertisers = Access([Role.ADVERTISER])
AdvertiserGrant = Annotated[Grant, Depends(advertisers)]


@router.post("", status_code=202)
@idempotent
def publish_offer(
    body: OfferCreate, grant: AdvertiserGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep
) -> OfferPublicationOut:
    """Publish a funded offer: approve + publishOffer are queued from the advertiser's custodial key."""
    publication = offers.publish(
        session,
        writer_of(settings, enqueue),
        grant.participant,
        purpose=body.purpose,
        data_categories=body.data_categories,
        token=body.token,
        compensation=body.compensation,
        cap=body.cap,
        period_seconds=body.period_seconds,
    )
    return OfferPublicationOut(**offers.publication_status(session, publication))


@router.get("/publications/{publication_id}")
def publication(publication_id: uuid.UUID, grant: AdvertiserGrant, session: SessionDep) -> OfferPublicationOut:
    """Where a publication is: its transactions and, once mirrored, the offer id."""
    row = session.get(OfferPublication, publication_id)
    if row is None or row.participant_id != grant.participant.id:
        raise UnknownOfferPublication(f"no offer publication {publication_id}")
    return OfferPublicationOut(**offers.publication_status(session, row))


@router.get("", dependencies=[public()])
def list_offers(
    session: SessionDep,
    settings: SettingsDep,
    advertiser: Address | None = Query(None),
    include_closed: bool = Query(False),
    limit: int = Query(100, ge=1, le=500),
) -> list[dict]:
    """Offers on the ConsentRegistry, newest first: terms in DPV words, counters and budget left."""
    deployment = deployment_of(settings)
    rows = mirror.offers(session, deployment.registry, advertiser=advertiser, open_only=not include_closed, limit=limit)
    return [offers.offer_view(deployment, row) for row in rows]


@router.get("/{offer_id}", dependencies=[public()])
def get_offer(offer_id: int, session: SessionDep, settings: SettingsDep) -> dict:
    deployment = deployment_of(settings)
    row = mirror.offer(session, deployment.registry, offer_id)
    if row is None:
        raise OfferUnknown(f"no offer {offer_id} on the ConsentRegistry (yet)")
    return offers.offer_view(deployment, row)


@router.post("/{offer_id}/close", status_code=202)
@idempotent
def close_offer(
    offer_id: int, grant: AdvertiserGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep
) -> dict:
    """Close one of the caller's offers; closeOffer (which refunds the unpaid budget) is queued."""
    relay = offers.close(session, writer_of(settings, enqueue), grant.participant, offer_id)
    return {"offer_id": offer_id, "outbox_id": getattr(relay, "id", None)}
