"""Consents: consumers grant (signed, relayed gaslessly), withdraw and sweep rewards; anyone reads receipts.

Consumers are not participants: granting is authorised by the consumer's session
(``X-Subject-Session``) plus the pairwise key's signature; withdrawing and sweeping by
the pairwise key's signature alone, so they keep working after the consumer erased its
data. Hence every route here is public as far as participant credentials go.
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.auth import NowDep, public
from backend.api.deps import SessionDep, SettingsDep
from backend.consent import grants
from backend.api.consent_deps import EnqueueDep, SubjectIdDep, deployment_of, open_subject, writer_of
from backend.consent.errors import ConsentIdMismatch, OfferUnknown
from backend.consent.grants import DomainClaim, unix
from backend.consent.mirror import offer as mirror_offer
from backend.consent.pairwise import pairwise_message
from backend.consent.receipts import consent_receipt
from backend.consent.schemas import (
    Address,
    ConsentAccepted,
    ConsentTypedDataRequest,
    DomainIn,
    DomainOut,
    PairwiseMessageOut,
    SignedConsentIn,
    SignedSweepIn,
    SignedWithdrawalIn,
    SweepAccepted,
    TypedDataOut,
    WithdrawalAccepted,
)
from backend.consent.typed_data import Consent, Sweep, Withdrawal, domain, new_nonce, type_string, typed_data
from backend.consent.typed_data import consent_id as consent_id_of
from backend.consent.vocabulary import DATA_CATEGORIES, PURPOSES, hex32

router = APIRouter(prefix="/consents", tags=["consents"])


def _claim(domain_in: DomainIn | None) -> DomainClaim:
    if domain_in is None:
        return DomainClaim()
    return DomainClaim(chain_id=domain_in.chainId, verifying_contract=domain_in.verifyingContract)


def _outbox_id(relay) -> int | None:
    return getattr(relay, "id", None)


@router.get("/domain", dependencies=[public()])
def signing_domain(settings: SettingsDep) -> DomainOut:
    """The EIP-712 domain and type strings to sign with, and the documented purposes and data categories."""
    deployment = deployment_of(settings)
    return DomainOut(
        domain=domain(deployment.chain_id, deployment.registry),
        types={kind.PRIMARY_TYPE: type_string(kind) for kind in (Consent, Withdrawal, Sweep)},
        purposes=dict(PURPOSES),
        data_categories={name: category.dpv_term for name, category in DATA_CATEGORIES.items()},
    )


@router.get("/pairwise-message", dependencies=[public()])
def pairwise_derivation_message(grantee: Address, settings: SettingsDep) -> PairwiseMessageOut:
    """The text a wallet signs (personal_sign) to derive its pairwise key for `grantee` (backend.consent.pairwise)."""
    deployment = deployment_of(settings)
    return PairwiseMessageOut(
        message=pairwise_message(deployment.chain_id, deployment.registry, grantee),
        chain_id=deployment.chain_id,
        registry=deployment.registry,
    )


@router.post("/typed-data", dependencies=[public()])
def consent_typed_data(
    body: ConsentTypedDataRequest, session: SessionDep, settings: SettingsDep, now: NowDep
) -> TypedDataOut:
    """The eth_signTypedData_v4 payload for a consent to an offer, with a fresh random nonce and a deadline."""
    deployment = deployment_of(settings)
    offer = mirror_offer(session, deployment.registry, body.offer_id)
    if offer is None:
        raise OfferUnknown(f"no offer {body.offer_id} on the ConsentRegistry (yet)")
    consent = Consent(
        subject=body.subject,
        grantee=offer.advertiser,
        offer_id=offer.offer_id,
        purpose=bytes.fromhex(offer.purpose[2:]),
        data_categories_hash=bytes.fromhex(offer.data_categories_hash[2:]),
        expiry=body.expiry,
        compensation=offer.compensation,
        nonce=new_nonce(),
        deadline=unix(now) + body.valid_for_seconds,
    )
    return TypedDataOut(
        consent_id=hex32(consent_id_of(consent, deployment.chain_id, deployment.registry)),
        typed_data=typed_data(consent, deployment.chain_id, deployment.registry),
    )


@router.post("", status_code=202, dependencies=[public()])
def grant_consent(
    body: SignedConsentIn,
    subject_id: SubjectIdDep,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> ConsentAccepted:
    """Relay a consent the consumer's pairwise key signed; the relayer pays the gas.

    Effective once mined (the receipt then carries the transaction). Links the pairwise
    address to the signed-in consumer, so the consumer's data can be served to the grantee.
    """
    writer = writer_of(settings, enqueue)
    store, subject = open_subject(session, settings, subject_id)
    signature = bytes.fromhex(body.signature[2:])
    accepted = grants.accept_grant(
        session, store, writer, subject, body.message.to_message(), signature, _claim(body.domain), now
    )
    session.flush()
    session.commit()
    return ConsentAccepted(
        consent_id=accepted.consent_id,
        outbox_id=_outbox_id(accepted.outbox),
        receipt_url=f"{settings.public_base_url.rstrip('/')}/v1/consents/{accepted.consent_id}/receipt",
    )


@router.post("/sweeps", status_code=202, dependencies=[public()])
def sweep_rewards(
    body: SignedSweepIn, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep, now: NowDep
) -> SweepAccepted:
    """Relay a signed Sweep: the pairwise address's rewards in one token go to the recipient it names."""
    request = body.message.to_message()
    amount, relay = grants.accept_sweep(
        session, writer_of(settings, enqueue), request, bytes.fromhex(body.signature[2:]), _claim(body.domain), now
    )
    session.flush()
    session.commit()
    return SweepAccepted(
        subject=request.subject,
        token=request.token,
        recipient=request.recipient,
        amount=str(amount),
        outbox_id=_outbox_id(relay),
    )


@router.post("/{consent_id}/withdrawal", status_code=202, dependencies=[public()])
def withdraw_consent(
    consent_id: str,
    body: SignedWithdrawalIn,
    session: SessionDep,
    settings: SettingsDep,
    enqueue: EnqueueDep,
    now: NowDep,
) -> WithdrawalAccepted:
    """Withdraw a consent by the pairwise key's signature: refused for data from now on, then relayed."""
    if consent_id.lower() != body.message.consentId:
        raise ConsentIdMismatch("the signed consentId differs from the one in the path")
    accepted = grants.accept_withdrawal(
        session,
        writer_of(settings, enqueue),
        body.message.to_message(),
        bytes.fromhex(body.signature[2:]),
        _claim(body.domain),
        now,
    )
    session.commit()
    return WithdrawalAccepted(consent_id=accepted.consent_id, effective_at=now, outbox_id=_outbox_id(accepted.outbox))


@router.get("/{consent_id}/receipt", dependencies=[public()])
def receipt(consent_id: str, session: SessionDep, settings: SettingsDep, now: NowDep) -> dict:
    """The consent's ISO/IEC TS 27560 record in DPV terms (JSON-LD), with its on-chain transactions."""
    deployment = deployment_of(settings)
    return consent_receipt(session, deployment, consent_id, now, settings.public_base_url)

