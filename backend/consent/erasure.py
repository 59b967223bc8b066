"""Erasure (right to be forgotten): crypto-shred the consumer, refuse its consents, relay what it signed.

Withdrawing on chain needs a signature by each pairwise key, which only the consumer's
client can make, so the erasure request carries a batch of signed Withdrawals. Erasure
never waits for them, and completes off chain in one transaction whatever arrives:

1. every consent in the consumer's ledger or on chain for its pairwise addresses that
   is still usable (active and unexpired, or still being relayed) gets a row in
   ``consent_withdrawal``: from this commit the data path refuses it, signature or not;
2. each supplied withdrawal that checks out is queued for relay; a missing or invalid
   one is reported per consent, and the client may send it later to
   ``POST /v1/consents/{id}/withdrawal`` (it still works: it needs only the pairwise
   key, which the client re-derives from the wallet). Until then the chain shows the
   consent active until its expiry, but it covers nothing: the data it covered is gone;
3. the subject key, the sealed DID, profile and ledger, the pairwise links and the
   sessions are deleted. What remains (withdrawal rows, the access log, the outbox)
   names pairwise addresses and consent ids only, which the chain holds anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.consent import mirror
from backend.consent.chain import ConsentWriter
from backend.consent.errors import ConsentError
from backend.consent.grants import DomainClaim, accept_withdrawal, unix
from backend.consent.models import ConsentWithdrawal, WithdrawalSource
from backend.consent.subjects import OpenSubject, SubjectStore
from backend.consent.typed_data import Withdrawal
from backend.consent.vocabulary import hex32

# The statement of the EIP-4361 message a wallet signs to ask for erasure: a sign-in
# message alone must never be enough to erase a consumer.
ERASURE_STATEMENT = "Erase all my data held by trustledger and withdraw my consents."


@dataclass(frozen=True)
class ErasedConsent:
    consent_id: str
    on_chain: str  # queued | missing | invalid | not_needed
    reason: str | None = None


def erase(
    session: Session,
    store: SubjectStore,
    writer: ConsentWriter,
    subject: OpenSubject,
    withdrawals: list[tuple[Withdrawal, bytes]],
    claim: DomainClaim,
    now: datetime,
) -> tuple[list[ErasedConsent], list[str]]:
    """Steps 1-3; returns the outcome per consent and the pairwise addresses unlinked. The caller commits."""
    registry = writer.deployment.registry
    ledger = subject.ledger()
    addresses = sorted(ledger["pairwise"])
    on_chain = {row.consent_id: row for row in mirror.consents_of(session, registry, addresses)}
    supplied = {hex32(withdrawal.consent_id): (withdrawal, signature) for withdrawal, signature in withdrawals}
    outcomes = []
    for consent_id in sorted(set(ledger["consents"]) | set(on_chain)):
        row = on_chain.get(consent_id)
        signed = supplied.pop(consent_id, None)
        usable = row is None or (row.status == "active" and row.expiry > unix(now))
        existing = session.get(ConsentWithdrawal, consent_id)
        if not usable or (existing is not None and existing.outbox_id is not None):
            outcomes.append(ErasedConsent(consent_id, "not_needed"))
            continue
        if existing is None:
            session.add(
                ConsentWithdrawal(
                    consent_id=consent_id, contract=registry, source=WithdrawalSource.ERASURE, accepted_at=now
                )
            )
            session.flush()
        if signed is None:
            outcomes.append(ErasedConsent(consent_id, "missing"))
            continue
        try:
            accept_withdrawal(session, writer, *signed, claim, now)
        except ConsentError as exc:
            outcomes.append(ErasedConsent(consent_id, "invalid", f"{exc.code}: {exc.message}"))
            continue
        outcomes.append(ErasedConsent(consent_id, "queued"))
    strangers = sorted(supplied)
    outcomes += [ErasedConsent(consent_id, "invalid", "not a consent of this consumer") for consent_id in strangers]
    return outcomes, store.erase(subject)
