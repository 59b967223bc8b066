"""Product provenance API: brands register products and serials and authorise actors, actors
post EPCIS 2.0 events, brands fetch QR codes, buyers claim with the code in the box."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Response
from sqlmodel import Session

from backend.api.auth import Access, Grant, NowDep, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.limits import claims_per_ip_and_item
from backend.content import ContentStoreError, content_store_from_url
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.models import Participant
from backend.identity.participants import may_act_as
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import Role
from backend.provenance import qr, service
from backend.provenance.chain import ProvenanceWriter
from backend.provenance.derived_keys import ProvenanceKeys, ProvenanceSecretMissing, provenance_keys
from backend.provenance.digital_link import DigitalLink, InvalidDigitalLink, build, resolver_base
from backend.provenance.epcis import InvalidEpcis, parse_events
from backend.provenance.gtin import InvalidGtin
from backend.provenance.models import Product
from backend.provenance.schemas import (
    ActorAuthorisation,
    ActorPublic,
    ClaimCreate,
    ClaimRecorded,
    EventRecorded,
    ProductCreate,
    ProductPublic,
    SerialsCreate,
    SerialsCreated,
)
from backend.provenance.serials import InvalidSerial, SerialRange

router = APIRouter(prefix="/products", tags=["provenance"])

brands = Access([Role.BRAND])
actors = Access([Role.SUPPLY_CHAIN_ACTOR])
BrandGrant = Annotated[Grant, Depends(brands)]
ActorGrant = Annotated[Grant, Depends(actors)]
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]


def keys_of(settings: Settings) -> ProvenanceKeys:
    try:
        return provenance_keys(settings)
    except ProvenanceSecretMissing as exc:
        raise ApiError(503, "provenance_not_configured", str(exc)) from None


def writer_of(settings: Settings, enqueue: Enqueue) -> ProvenanceWriter:
    # Built inside the endpoint, after the request is validated: a bad request is a 4xx even
    # where the chain is not configured.
    try:
        return ProvenanceWriter.from_settings(settings, enqueue)
    except ChainNotConfigured as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None


def resolver(settings: Settings) -> str:
    return resolver_base(settings.digital_link_resolver or settings.public_base_url)


def _chain_address(participant: Participant) -> str:
    if participant.chain_address is None:
        raise ApiError(409, "no_chain_address", "this participant has no chain address yet")
    return participant.chain_address


def _own_product(session: Session, grant: Grant, gtin: str) -> Product:
    try:
        product = service.product_for(session, gtin)
    except InvalidGtin:
        product = None
    if product is None or product.brand_id != grant.participant.id:
        raise ApiError(404, "not_found", f"no product {gtin} of this brand")
    return product


@router.post("", status_code=201)
def register_product(
    body: ProductCreate, grant: BrandGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep
) -> ProductPublic:
    """Register a GTIN; its metadata goes to the content store; registerProductClass is queued."""
    metadata_cid = None
    if body.metadata is not None:
        try:
            metadata_cid = content_store_from_url(settings.content_store_url).put(
                orjson.dumps(body.metadata, option=orjson.OPT_SORT_KEYS)
            )
        except ContentStoreError as exc:
            raise ApiError(422, "metadata_not_stored", str(exc)) from None
    try:
        product = service.register_product(
            session, brand_id=grant.participant.id, gtin=body.gtin, name=body.name, metadata_cid=metadata_cid
        )
    except InvalidGtin as exc:
        raise ApiError(422, "invalid_gtin", str(exc), [str(exc)]) from None
    except service.ProductConflict as exc:
        raise ApiError(409, "product_exists", str(exc), exc.reasons) from None
    writer_of(settings, enqueue).register_product_class(
        session, _chain_address(grant.participant), product.gtin, metadata_cid
    )
    session.commit()
    return ProductPublic(gtin=product.gtin, name=product.name, brand_id=product.brand_id, metadata_cid=metadata_cid)


@router.post("/{gtin}/serials", status_code=201)
def register_serials(
    gtin: str, body: SerialsCreate, grant: BrandGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep
) -> SerialsCreated:
    """Register serials (listed and/or ranges) as one batch; claim codes, if asked, are shown once."""
    product = _own_product(session, grant, gtin)
    ranges = [SerialRange(r.first, r.last, r.width, r.prefix) for r in body.ranges]
    pepper = keys_of(settings).claim_pepper if body.claim_codes else None
    try:
        registered = service.register_serials(
            session, product=product, serials=body.serials, ranges=ranges, claim_pepper=pepper
        )
    except InvalidSerial as exc:
        raise ApiError(422, "invalid_serials", "the serials are not valid", exc.reasons) from None
    except service.DuplicateSerials as exc:
        raise ApiError(409, "duplicate_serials", str(exc), exc.reasons) from None
    batch = registered.batch
    writer_of(settings, enqueue).register_serial_batch(
        session,
        _chain_address(grant.participant),
        product.gtin,
        bytes.fromhex(batch.serials_root[2:]),
        batch.serial_count,
        f"serial-batch:{batch.id}",
    )
    session.commit()
    return SerialsCreated(
        batch_id=batch.id,
        serials_root=batch.serials_root,
        serial_count=batch.serial_count,
        claim_codes=registered.claim_codes,
    )


def _own_item_link(session: Session, grant: Grant, gtin: str, serial: str) -> DigitalLink:
    product = _own_product(session, grant, gtin)
    try:
        link = build(product.gtin, serial)
    except InvalidDigitalLink:
        raise ApiError(404, "not_found", f"no serial {serial} of product {gtin}") from None
    if not service.item_exists(session, link.gtin, link.serial):
        raise ApiError(404, "not_found", f"no serial {serial} of product {gtin}")
    return link


@router.get("/{gtin}/{serial}/qr.svg", response_class=Response)
def qr_svg(gtin: str, serial: str, grant: BrandGrant, session: SessionDep, settings: SettingsDep) -> Response:
    """The item's GS1 Digital Link as an SVG QR code, to print."""
    link = _own_item_link(session, grant, gtin, serial)
    return Response(qr.svg(link.uri(resolver(settings))), media_type="image/svg+xml")


@router.get("/{gtin}/{serial}/qr.png", response_class=Response)
def qr_png(gtin: str, serial: str, grant: BrandGrant, session: SessionDep, settings: SettingsDep) -> Response:
    """The item's GS1 Digital Link as a PNG QR code."""
    link = _own_item_link(session, grant, gtin, serial)
    return Response(qr.png(link.uri(resolver(settings))), media_type="image/png")


@router.post("/actors", status_code=201)
def authorise_actor(
    body: ActorAuthorisation,
    grant: BrandGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> ActorPublic:
    """Let a supply-chain actor record events for this brand's products; authoriseActor is queued."""
    actor = session.get(Participant, body.actor_id)
    if actor is None or not may_act_as(actor, Role.SUPPLY_CHAIN_ACTOR):
        raise ApiError(422, "not_a_supply_chain_actor", f"participant {body.actor_id} is not a supply-chain actor")
    if service.authorise_actor(session, brand_id=grant.participant.id, actor_id=actor.id, at=now):
        writer_of(settings, enqueue).authorise_actor(
            session, _chain_address(grant.participant), _chain_address(actor)
        )
    session.commit()
    return ActorPublic(brand_id=grant.participant.id, actor_id=actor.id, authorised=True)


@router.delete("/actors/{actor_id}")
def revoke_actor(
    actor_id: uuid.UUID,
    grant: BrandGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> ActorPublic:
    """Withdraw an actor's authorisation; revokeActor is queued."""
    if not service.revoke_actor(session, brand_id=grant.participant.id, actor_id=actor_id, at=now):
        raise ApiError(404, "not_found", f"actor {actor_id} is not authorised by this brand")
    actor = session.get(Participant, actor_id)
    writer_of(settings, enqueue).revoke_actor(session, _chain_address(grant.participant), _chain_address(actor))
    session.commit()
    return ActorPublic(brand_id=grant.participant.id, actor_id=actor_id, authorised=False)


@router.post("/events", status_code=201)
def post_events(
    brand_id: uuid.UUID,
    document: Annotated[Any, Body(description="an EPCIS 2.0 event or EPCISDocument (JSON / JSON-LD)")],
    grant: ActorGrant,
    session: SessionDep,
    now: NowDep,
) -> list[EventRecorded]:
    """Record EPCIS events of a brand's products; each gets its canonical hash and waits to be anchored."""
    if not service.actor_serves(session, brand_id=brand_id, actor_id=grant.participant.id):
        raise ApiError(403, "actor_not_authorised", f"this actor does not serve brand {brand_id}")
    try:
        events = parse_events(document, now)
    except InvalidEpcis as exc:
        raise ApiError(422, "invalid_epcis", "the EPCIS document is not valid", exc.reasons) from None
    try:
        rows = service.record_events(session, actor_id=grant.participant.id, brand_id=brand_id, events=events)
    except service.EventsRejected as exc:
        raise ApiError(422, "events_rejected", "the events cannot be recorded", exc.reasons) from None
    session.commit()
    return [EventRecorded(event_hash=row.event_hash, biz_step=row.biz_step) for row in rows]


@router.post("/{gtin}/{serial}/claim", dependencies=[public(), Depends(claims_per_ip_and_item)])
def claim(
    gtin: str, serial: str, body: ClaimCreate, session: SessionDep, settings: SettingsDep, now: NowDep
) -> ClaimRecorded:
    """A buyer claims the item with the code printed inside its packaging; each code works once."""
    try:
        link = build(gtin, serial)
    except InvalidDigitalLink as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    try:
        claimed_at = service.claim_product(
            session, gtin=link.gtin, serial=link.serial, code=body.code, pepper=keys_of(settings).claim_pepper, at=now
        )
    except service.ClaimRejected as exc:
        raise ApiError(409, "claim_rejected", exc.reasons[0], exc.reasons) from None
    session.commit()
    return ClaimRecorded(gtin=link.gtin, serial=link.serial, claimed_at=claimed_at)
