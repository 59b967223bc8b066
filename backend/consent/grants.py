"""Accepting a consumer's signed messages before they are relayed: grant, withdrawal, sweep.

Each is checked as the contract will check it (terms against the offer, time limits,
the signer) so the relayer does not spend transactions on what would revert, and so the
consumer gets the reason at once. Signatures are checked against this deployment's
EIP-712 domain: one made for another chain or another contract recovers to some other
address and is refused. A withdrawal takes effect when accepted here: the row in
``consent_withdrawal`` is what the data path consults, before the chain knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eth_utils import to_checksum_address
from sqlmodel import Session, col, select

from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.consent import mirror
from backend.consent.chain import (
    ConsentDeployment,
    ConsentWriter,
    grant_reference,
    registry_abi_contract,
    sweep_reference,
)
from backend.consent.errors import (
    BadSweepNonce,
    ConsentAlreadyWithdrawn,
    ConsentReplayed,
    ConsentUnknown,
    ExpiryOutOfRange,
    InvalidConsentSignature,
    NotTheSubject,
    NothingToSweep,
    OfferClosed,
    OfferExhausted,
    OfferOutsideVocabulary,
    OfferUnknown,
    SignatureExpired,
    SweepPending,
    TermsMismatch,
    WrongChain,
    WrongContract,
    ZeroRecipient,
)
from backend.consent.models import ConsentWithdrawal, WithdrawalSource
from backend.consent.subjects import OpenSubject, SubjectStore
from backend.consent.typed_data import Consent, ConsentMessage, ConsentSignatureError, Sweep, Withdrawal, digest, verify
from backend.consent.vocabulary import categories_of_hash, hex32, purpose_of_hash

UINT40_MAX = 2**40 - 1
_DEAD = (OutboxStatus.FAILED, OutboxStatus.REVERTED)


@dataclass(frozen=True)
class DomainClaim:
    """The EIP-712 domain the client says it signed with (optional): lets a mismatch be named."""

    chain_id: int | None = None
    verifying_contract: str | None = None


@dataclass(frozen=True)
class Accepted:
    consent_id: str
    outbox: object  # what the outbox's enqueue returned (an OutboxTransaction in production)


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def check_signature(
    message: ConsentMessage, signature: bytes, deployment: ConsentDeployment, claim: DomainClaim
) -> None:
    if claim.chain_id is not None and claim.chain_id != deployment.chain_id:
        raise WrongChain(
            f"signed for chain {claim.chain_id}; this is chain {deployment.chain_id}"
        )
    if claim.verifying_contract is not None and to_checksum_address(claim.verifying_contract) != deployment.registry:
        raise WrongContract(
            
            f"signed for {claim.verifying_contract}; the ConsentRegistry is {deployment.registry}",
        )
    try:
        verify(message, signature, deployment.chain_id, deployment.registry)
    except ConsentSignatureError as exc:
        raise InvalidConsentSignature(
            f"{exc} (over the {message.PRIMARY_TYPE} for chain {deployment.chain_id})"
        ) from None


def _check_deadline(deadline: int, now: int) -> None:
    if deadline < now:
        raise SignatureExpired(f"the signature's deadline {deadline} has passed (now {now})")


def live_relay(session: Session, reference: str) -> OutboxTransaction | None:
    """The queued, in-flight or mined relay with this reference (failed and reverted ones do not count)."""
    statement = select(OutboxTransaction).where(
        OutboxTransaction.reference == reference, col(OutboxTransaction.status).not_in(_DEAD)
    )
    return session.exec(statement.order_by(col(OutboxTransaction.id).desc()).limit(1)).first()


def relayed_consent(row: OutboxTransaction) -> Consent:
    """The Consent inside a queued grant() call."""
    _function, args = registry_abi_contract().decode_function_input(row.data)
    fields = args["consent"]  # web3 decodes the struct as a dict keyed by the Solidity field names
    return Consent(
        subject=fields["subject"],
        grantee=fields["grantee"],
        offer_id=fields["offerId"],
        purpose=fields["purpose"],
        data_categories_hash=fields["dataCategoriesHash"],
        expiry=fields["expiry"],
        compensation=fields["compensation"],
        nonce=fields["nonce"],
        deadline=fields["deadline"],
    )


def accept_grant(
    session: Session,
    store: SubjectStore,
    writer: ConsentWriter,
    subject: OpenSubject,
    consent: Consent,
    signature: bytes,
    claim: DomainClaim,
    now: datetime,
) -> Accepted:
    deployment = writer.deployment
    seconds = unix(now)
    offer = mirror.offer(session, deployment.registry, consent.offer_id)
    if offer is None:
        raise OfferUnknown(f"no offer {consent.offer_id} on the ConsentRegistry (yet)")
    if offer.closed:
        raise OfferClosed(f"offer {consent.offer_id} is closed")
    mismatched = [
        name
        for name, signed, offered in (
            ("grantee", to_checksum_address(consent.grantee), offer.advertiser),
            ("purpose", hex32(consent.purpose), offer.purpose),
            ("dataCategoriesHash", hex32(consent.data_categories_hash), offer.data_categories_hash),
            ("compensation", consent.compensation, offer.compensation),
        )
        if signed != offered
    ]
    if mismatched:
        raise TermsMismatch(f"the consent differs from offer {offer.offer_id} in {mismatched}")
    if purpose_of_hash(offer.purpose) is None or categories_of_hash(offer.data_categories_hash) is None:
        raise OfferOutsideVocabulary("the offer's purpose or data categories are not documented")
    _check_deadline(consent.deadline, seconds)
    if not seconds < consent.expiry <= UINT40_MAX:
        raise ExpiryOutOfRange(f"expiry {consent.expiry} must lie after now ({seconds})")
    check_signature(consent, signature, deployment, claim)
    consent_id = hex32(digest(consent, deployment.chain_id, deployment.registry))
    if mirror.consent(session, deployment.registry, consent_id) is not None or live_relay(
        session, grant_reference(consent_id)
    ):
        raise ConsentReplayed(f"consent {consent_id} was already granted; sign a new one")
    pairwise = to_checksum_address(consent.subject)
    period = mirror.current_period(offer, seconds)
    if offer.grants_paid >= offer.cap and not mirror.paid_in_period(
        session, deployment.registry, pairwise, offer.offer_id, period
    ):
        raise OfferExhausted(f"offer {offer.offer_id} has paid all {offer.cap} grants")
    store.link(subject, pairwise, offer.advertiser, now)
    store.record_consent(subject, consent_id, pairwise, offer.offer_id, now)
    return Accepted(consent_id, writer.grant(session, consent, signature, consent_id))


def consent_subject(session: Session, deployment: ConsentDeployment, consent_id: str) -> str | None:
    """The pairwise subject of a consent on chain, or of one whose grant is still being relayed."""
    on_chain = mirror.consent(session, deployment.registry, consent_id)
    if on_chain is not None:
        return on_chain.subject
    relay = live_relay(session, grant_reference(consent_id))
    return None if relay is None else to_checksum_address(relayed_consent(relay).subject)


def accept_withdrawal(
    session: Session, writer: ConsentWriter, withdrawal: Withdrawal, signature: bytes, claim: DomainClaim, now: datetime
) -> Accepted:
    """Refuse the consent from now on and queue its withdraw() relay."""
    deployment = writer.deployment
    consent_id = hex32(withdrawal.consent_id)
    _check_deadline(withdrawal.deadline, unix(now))
    subject = consent_subject(session, deployment, consent_id)
    if subject is None:
        raise ConsentUnknown(f"no consent {consent_id}")
    if subject != to_checksum_address(withdrawal.subject):
        raise NotTheSubject(f"consent {consent_id} belongs to another subject")
    check_signature(withdrawal, signature, deployment, claim)
    existing = session.get(ConsentWithdrawal, consent_id)
    relayed = existing is not None and existing.outbox_id is not None
    if relayed or is_withdrawn_on_chain(session, deployment, consent_id):
        raise ConsentAlreadyWithdrawn(f"consent {consent_id} is already withdrawn")
    relay = writer.withdraw(session, withdrawal, signature)
    session.flush()
    if existing is None:
        existing = ConsentWithdrawal(
            consent_id=consent_id, contract=deployment.registry, source=WithdrawalSource.SUBJECT, accepted_at=now
        )
    existing.outbox_id = getattr(relay, "id", None)
    session.add(existing)
    return Accepted(consent_id, relay)


def is_withdrawn_on_chain(session: Session, deployment: ConsentDeployment, consent_id: str) -> bool:
    on_chain = mirror.consent(session, deployment.registry, consent_id)
    return on_chain is not None and on_chain.status == "withdrawn"


def accept_sweep(
    session: Session, writer: ConsentWriter, request: Sweep, signature: bytes, claim: DomainClaim, now: datetime
):
    deployment = writer.deployment
    _check_deadline(request.deadline, unix(now))
    if int(request.recipient, 16) == 0:
        raise ZeroRecipient("name the address to pay")
    subject = to_checksum_address(request.subject)
    rows = mirror.rewards_of(session, deployment.registry, [subject])
    expected_nonce = max((row.sweep_nonce for row in rows), default=0)
    if request.nonce != expected_nonce:
        raise BadSweepNonce(f"the next sweep of {subject} carries nonce {expected_nonce}")
    held = next((row for row in rows if row.token == to_checksum_address(request.token)), None)
    available = 0 if held is None else held.accrued - held.swept
    if available <= 0:
        raise NothingToSweep(f"{subject} has no rewards in {request.token}")
    check_signature(request, signature, deployment, claim)
    if live_relay(session, sweep_reference(request)) is not None:
        raise SweepPending("this sweep is already being relayed")
    return available, writer.sweep(session, request, signature)
