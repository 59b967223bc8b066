"""Export (data portability): everything the platform holds about one consumer, as one JSON document.

Off chain: the DID, the shared profile, the pairwise identities and the consents the API
accepted, withdrawals it accepted, and every logged read of the consumer's data. On
chain (from the mirror): each consent's record and the rewards of each pairwise address.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.consent import audit, mirror
from backend.consent.chain import ConsentDeployment
from backend.consent.models import ConsentWithdrawal
from backend.consent.subjects import OpenSubject
from backend.consent.vocabulary import categories_of_hash, purpose_of_hash
from backend.dids.identifiers import ethr_did

FORMAT = "trustledger.subject-export/v1"


def _consent_entry(consent_id: str, accepted: dict | None, row, offer, withdrawal, now: int, base_url: str) -> dict:
    if withdrawal is not None or (row is not None and row.status == "withdrawn"):
        status = "withdrawn"
    elif row is None:
        status = "pending"
    else:
        status = "expired" if row.expiry <= now else "active"
    entry = {
        "consent_id": consent_id,
        "status": status,
        "subject": row.subject if row is not None else accepted["subject"],
        "offer_id": row.offer_id if row is not None else accepted["offer_id"],
        "accepted_by_api_at": accepted["accepted_at"] if accepted else None,
        "receipt": f"{base_url.rstrip('/')}/v1/consents/{consent_id}/receipt" if row is not None else None,
    }
    if row is not None:
        entry |= {
            "grantee": row.grantee,
            "purpose": purpose_of_hash(row.purpose),
            "data_categories": list(categories_of_hash(offer.data_categories_hash) or ()) if offer else [],
            "expiry": row.expiry,
            "granted_block": row.granted_block,
            "compensation_paid": str(row.compensation_paid),
        }
    if withdrawal is not None:
        entry["withdrawal"] = {
            "accepted_at": withdrawal.accepted_at.isoformat(),
            "source": withdrawal.source,
            "relayed": withdrawal.outbox_id is not None,
        }
    return entry


def export_subject(
    session: Session, deployment: ConsentDeployment, subject: OpenSubject, now: datetime, base_url: str
) -> dict:
    registry = deployment.registry
    ledger = subject.ledger()
    addresses = sorted(ledger["pairwise"])
    on_chain = {row.consent_id: row for row in mirror.consents_of(session, registry, addresses)}
    offers = {
        offer_id: mirror.offer(session, registry, offer_id) for offer_id in {row.offer_id for row in on_chain.values()}
    }
    consents = [
        _consent_entry(
            consent_id,
            ledger["consents"].get(consent_id),
            on_chain.get(consent_id),
            offers.get(on_chain[consent_id].offer_id) if consent_id in on_chain else None,
            session.get(ConsentWithdrawal, consent_id),
            int(now.timestamp()),
            base_url,
        )
        for consent_id in sorted(set(ledger["consents"]) | set(on_chain))
    ]
    rewards = mirror.rewards_of(session, registry, addresses)
    # The contract keeps one sweep nonce per subject across tokens; the mirror's rows are per token.
    next_nonce = {row.subject: max(r.sweep_nonce for r in rewards if r.subject == row.subject) for row in rewards}
    did = subject.did
    return {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "subject": {"did": did, "wallet": did.rsplit(":", 1)[1], "created_at": subject.row.created_at.isoformat()},
        "profile": subject.profile(),
        "pairwise_identities": [
            {
                "address": address,
                "grantee": link["grantee"],
                "grantee_did": ethr_did(deployment.chain_id, link["grantee"]),
                "linked_at": link["linked_at"],
            }
            for address, link in sorted(ledger["pairwise"].items())
        ],
        "consents": consents,
        "rewards": [
            {
                "subject": row.subject,
                "token": row.token,
                "accrued": str(row.accrued),
                "swept": str(row.swept),
                "available": str(row.accrued - row.swept),
                "next_sweep_nonce": next_nonce[row.subject],
            }
            for row in rewards
        ],
        "access_log": [
            {
                "accessed_at": row.accessed_at.isoformat(),
                "grantee": row.grantee,
                "subject": row.subject,
                "purpose": row.purpose,
                "consent_ids": row.consent_ids.split(),
                "fields_disclosed": row.fields_disclosed.split(),
                "fields_withheld": row.fields_withheld.split(),
                "outcome": row.outcome,
            }
            for row in audit.accesses_of(session, addresses)
        ],
    }
