"""Anchors of recorded events: a non-custodial actor signs its own batches; anyone fetches an
event's Merkle proof and whether its batch is on chain.

A custodial actor's batches are signed by the anchoring task; an actor holding its own
key lists its built batches, signs each one's EIP-712 typed data in its wallet and posts
the signature, which the platform relayer then sends. Proofs are public: the page shows
event hashes to everyone, and a proof reveals nothing beyond them.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from hexbytes import HexBytes
from sqlmodel import select

from backend.api.auth import Access, Grant, NowDep, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.routes.digital_link import chain_facts
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import Role
from backend.provenance.anchor_signature import event_leaf, typed_data
from backend.provenance.anchoring import (
    AnchoringNotConfigured,
    AnchorNotOpen,
    AnchorTarget,
    InvalidAnchorSignature,
    awaiting_signature,
    event_batch,
    submit_signed,
)
from backend.provenance.chain import registry_address
from backend.provenance.event_hash import HASH_VERSION
from backend.provenance.models import AnchorBatch, EpcisEvent
from backend.provenance.schemas import AnchorSignature, AnchorSubmitted, AnchorToSign, EventProof
from backend.provenance.service import event_proof

router = APIRouter(prefix="/products", tags=["provenance"])

ActorGrant = Annotated[Grant, Depends(Access([Role.SUPPLY_CHAIN_ACTOR]))]
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]
_DIGEST = re.compile(r"^(0x)?([0-9a-fA-F]{64})$")


def target_of(settings: Settings) -> AnchorTarget:
    try:
        return AnchorTarget.from_settings(settings)
    except AnchoringNotConfigured as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None


def _own_anchor(session, grant: Grant, anchor_id: uuid.UUID) -> AnchorBatch:
    anchor = session.get(AnchorBatch, anchor_id)
    if anchor is None or anchor.actor_id != grant.participant.id:
        raise ApiError(404, "not_found", f"no anchor batch {anchor_id} of this actor")
    return anchor


@router.get("/anchors/unsigned")
def batches_to_sign(grant: ActorGrant, session: SessionDep, settings: SettingsDep, now: NowDep) -> list[AnchorToSign]:
    """The caller's built batches it may still sign, each with the EIP-712 typed data to sign."""
    waiting = awaiting_signature(session, grant.participant.id, int(now.timestamp()))
    if not waiting:
        return []
    target = target_of(settings)
    return [
        AnchorToSign(
            anchor_id=anchor.id,
            batch_id=anchor.chain_batch_id,
            brand_id=anchor.brand_id,
            event_count=anchor.event_count,
            document_cid=anchor.document_cid,
            deadline=anchor.deadline,
            typed_data=typed_data(event_batch(session, anchor), target.chain_id, target.registry),
        )
        for anchor in waiting
    ]


@router.post("/anchors/{anchor_id}/signature", status_code=202)
def sign_batch(
    anchor_id: uuid.UUID,
    body: AnchorSignature,
    grant: ActorGrant,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> AnchorSubmitted:
    """Accept the actor's signature over its batch; anchorEvents is queued, sent by the platform relayer."""
    anchor = _own_anchor(session, grant, anchor_id)
    target = target_of(settings)
    try:
        submit_signed(
            session, anchor, bytes(HexBytes(body.signature)), target=target, enqueue=enqueue, now=int(now.timestamp())
        )
    except InvalidAnchorSignature as exc:
        raise ApiError(422, "invalid_signature", str(exc), exc.reasons) from None
    except AnchorNotOpen as exc:
        raise ApiError(409, "anchor_not_open", str(exc), exc.reasons) from None
    session.commit()
    return AnchorSubmitted(anchor_id=anchor.id, batch_id=anchor.chain_batch_id, status=anchor.status)


@router.get("/events/{event_digest}/proof", dependencies=[public()])
def proof_of_event(event_digest: str, session: SessionDep, settings: SettingsDep) -> EventProof:
    """The event's leaf, its batch's id and root, the Merkle proof, and whether the batch is on chain.

    `event_digest` is the 64 hex digits of the event's ``ni:///sha-256;…`` hash.
    """
    match = _DIGEST.match(event_digest)
    if match is None:
        raise ApiError(422, "invalid_event_hash", "give the 64 hex digits of the event's sha-256 hash")
    digest = bytes.fromhex(match.group(2))
    ni_uri = f"ni:///sha-256;{digest.hex()}?ver={HASH_VERSION}"
    event = session.exec(select(EpcisEvent).where(EpcisEvent.event_hash == ni_uri)).first()
    if event is None:
        raise ApiError(404, "not_found", f"no recorded event {ni_uri}")
    leaf = "0x" + event_leaf(digest).hex()
    found = event_proof(session, event)
    if found is None:
        return EventProof(
            event_hash=ni_uri, digest="0x" + digest.hex(), leaf=leaf, status="pending", batch_id=None,
            events_root=None, proof=None, document_cid=None, registry=None, anchored=False, anchored_block=None,
        )
    anchor, proof = found
    block = session.exec(
        select(chain_facts(settings).anchored_block(AnchorBatch)).where(AnchorBatch.id == anchor.id)
    ).one()
    try:
        registry = registry_address(settings)
    except ChainNotConfigured:
        registry = None
    return EventProof(
        event_hash=ni_uri,
        digest="0x" + digest.hex(),
        leaf=leaf,
        status=anchor.status,
        batch_id=anchor.chain_batch_id,
        events_root=anchor.events_root,
        proof=["0x" + sibling.hex() for sibling in proof],
        document_cid=anchor.document_cid,
        registry=registry,
        anchored=block is not None,
        anchored_block=block,
    )
