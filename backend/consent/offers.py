"""Advertisers' offers: publish a funded offer from the custodial key, follow it, close it.

Publishing queues two transactions from the advertiser's custodial key, in order:
``approve(ConsentRegistry, compensation * cap)`` on the token, then ``publishOffer``,
which pulls that budget into the registry. The sender signs them with consecutive
nonces and re-estimates ``publishOffer`` once the approval is mined.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.chain.outbox import OutboxTransaction
from backend.consent import mirror
from backend.consent.chain import ConsentDeployment, ConsentWriter
from backend.consent.errors import (
    InvalidOfferTerms,
    NoChainAddress,
    NotCustodial,
    OfferClosed,
    OutsideVocabulary,
    UnknownAdvertiserOffer,
    UnknownToken,
)
from backend.consent.models import OfferPublication
from backend.consent.typed_data import data_categories_hash, purpose_hash
from backend.consent.vocabulary import (
    VocabularyError,
    categories_of_hash,
    purpose_of_hash,
    require_categories,
    require_purpose,
)
from backend.dids.identifiers import ethr_did
from backend.identity.models import CustodyMode, Participant
from indexer.models import ConsentOffer

UINT32_MAX = 2**32 - 1
UINT88_MAX = 2**88 - 1


def advertiser_address(participant: Participant) -> str:
    if participant.chain_address is None:
        raise NoChainAddress("this participant has no chain address yet")
    return participant.chain_address


def publish(
    session: Session,
    writer: ConsentWriter,
    participant: Participant,
    *,
    purpose: str,
    data_categories: list[str],
    token: str,
    compensation: int,
    cap: int,
    period_seconds: int,
) -> OfferPublication:
    """Queue approve + publishOffer from the advertiser's custodial key (flushed, not committed)."""
    try:
        purpose = require_purpose(purpose)
        categories = require_categories(data_categories)
    except VocabularyError as exc:
        raise OutsideVocabulary(str(exc)) from None
    if not 0 <= compensation <= UINT88_MAX or not 1 <= cap <= UINT32_MAX or not 0 <= period_seconds <= UINT32_MAX:
        raise InvalidOfferTerms("compensation < 2**88, 1 <= cap < 2**32, period < 2**32")
    try:
        token_address = writer.deployment.token(token)
    except KeyError:
        raise UnknownToken(f"{token!r} is not a token of this deployment") from None
    if participant.custody_mode != CustodyMode.CUSTODIAL:
        raise NotCustodial(
            "this advertiser holds its own key: call approve and publishOffer with it directly"
        )
    advertiser = advertiser_address(participant)
    publication_id = uuid.uuid4()
    reference = f"consent-offer:{publication_id}"
    approve = None
    if compensation:
        approve = writer.approve(session, advertiser, token_address, compensation * cap, reference)
    published = writer.publish_offer(
        session,
        advertiser,
        purpose=purpose_hash(purpose),
        data_categories_hash=data_categories_hash(categories),
        token=token_address,
        compensation=compensation,
        cap=cap,
        period_seconds=period_seconds,
        reference=reference,
    )
    session.flush()
    publication = OfferPublication(
        id=publication_id,
        participant_id=participant.id,
        contract=writer.deployment.registry,
        purpose=purpose,
        data_categories=" ".join(categories),
        token=token_address,
        compensation=str(compensation),
        cap=cap,
        period_seconds=period_seconds,
        approve_outbox_id=getattr(approve, "id", None),
        publish_outbox_id=getattr(published, "id", None),
    )
    session.add(publication)
    session.flush()
    return publication


def publication_status(session: Session, publication: OfferPublication) -> dict:
    """Where the publication is: its transactions' states and, once mirrored, the offer id."""
    publish_row, approve_row = (
        session.get(OutboxTransaction, row_id) if row_id else None
        for row_id in (publication.publish_outbox_id, publication.approve_outbox_id)
    )
    offer_id = None
    if publish_row is not None and publish_row.tx_hash is not None:
        offer_id = mirror.publication_offer_id(session, publication.contract, publish_row.tx_hash)
    return {
        "publication_id": str(publication.id),
        "offer_id": offer_id,
        "approve": _tx_state(approve_row),
        "publish": _tx_state(publish_row),
    }


def _tx_state(row: OutboxTransaction | None) -> dict | None:
    if row is None:
        return None
    return {"outbox_id": row.id, "status": row.status, "tx_hash": row.tx_hash, "error": row.error}


def offer_view(deployment: ConsentDeployment, row: ConsentOffer) -> dict:
    """An offer as consumers and advertisers see it: terms in vocabulary words, counters, budget left."""
    return {
        "offer_id": row.offer_id,
        "advertiser": row.advertiser,
        "advertiser_did": ethr_did(deployment.chain_id, row.advertiser),
        "purpose": purpose_of_hash(row.purpose),
        "purpose_hash": row.purpose,
        "data_categories": list(categories_of_hash(row.data_categories_hash) or ()),
        "data_categories_hash": row.data_categories_hash,
        "token": row.token,
        "compensation": str(row.compensation),
        "cap": row.cap,
        "period_seconds": row.period_length,
        "grants": row.grants,
        "grants_paid": row.grants_paid,
        "budget_left": str(row.compensation * (row.cap - row.grants_paid)),
        "closed": row.closed,
    }


def close(session: Session, writer: ConsentWriter, participant: Participant, offer_id: int):
    advertiser = advertiser_address(participant)
    row = mirror.offer(session, writer.deployment.registry, offer_id)
    if row is None or row.advertiser != advertiser:
        raise UnknownAdvertiserOffer(f"no offer {offer_id} of this advertiser")
    if row.closed:
        raise OfferClosed(f"offer {offer_id} is already closed")
    return writer.close_offer(session, advertiser, offer_id)
