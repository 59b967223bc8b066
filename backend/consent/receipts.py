"""Consent receipts: an ISO/IEC TS 27560:2023 consent record, expressed in DPV terms (JSON-LD).

Built from the chain (the indexer's mirror) and the API's own withdrawals, so anyone
holding the receipt can check it against the ConsentRegistry. It holds nothing
personal: the data subject is the pairwise address (as a did:pkh), the controller is
the advertiser's did:ethr. Field mapping (27560 -> DPV, after the DPVCG's guide):

    record identifier        dct:identifier        the consent id (EIP-712 digest)
    PII principal            dpv:hasDataSubject    did:pkh of the pairwise address
    PII controller           dpv:hasDataController did:ethr of the grantee
    purpose                  dpv:hasPurpose        the DPV purpose term
    PII categories           dpv:hasPersonalData   pd: terms of the data categories
    lawful basis             dpv:hasLegalBasis     dpv:Consent
    consent state            dpv:hasConsentStatus  Given / Withdrawn / Expired
    validity / duration      dpv:hasDuration       until the signed expiry
    events                   dct:hasPart           given and withdrawn, each with its transaction
    withdrawal method        dpv:hasWithdrawalMethod
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from backend.consent import mirror
from backend.consent.chain import ConsentDeployment
from backend.consent.errors import ConsentPending, ConsentUnknown
from backend.consent.grants import consent_subject
from backend.consent.models import ConsentWithdrawal
from backend.consent.vocabulary import DATA_CATEGORIES, categories_of_hash, purpose_of_hash
from backend.dids.identifiers import ethr_did, pkh_did

SCHEMA = "https://w3id.org/dpv/schema/iso-27560#receipt-full"
CONTEXT = {
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "tl": "https://trustledger.example.org/ns/consent#",
}


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat().replace("+00:00", "Z")


def _tx(ref: mirror.TxRef | None) -> dict | None:
    if ref is None:
        return None
    return {"tl:transaction": ref.tx_hash, "tl:block": ref.block_number, "dct:date": _iso(ref.block_timestamp)}


def consent_receipt(
    session: Session, deployment: ConsentDeployment, consent_id: str, now: datetime, base_url: str
) -> dict:
    consent_id = consent_id.lower()
    record = mirror.consent(session, deployment.registry, consent_id)
    if record is None:
        if consent_subject(session, deployment, consent_id) is not None:
            raise ConsentPending(
                f"consent {consent_id} is being relayed; no receipt before it is on chain"
            )
        raise ConsentUnknown(f"no consent {consent_id}")
    offer = mirror.offer(session, deployment.registry, record.offer_id)
    purpose = purpose_of_hash(record.purpose)
    categories = categories_of_hash(offer.data_categories_hash) if offer else None
    off_chain = session.get(ConsentWithdrawal, consent_id)
    granted = mirror.event_tx(session, deployment.registry, "ConsentGranted", consent_id)
    withdrawn = mirror.event_tx(session, deployment.registry, "ConsentWithdrawn", consent_id)

    events = [{"@type": "dpv:ConsentGiven", "dct:date": _iso(record.granted_at), "tl:onChain": _tx(granted)}]
    if record.status == "withdrawn" or off_chain is not None:
        when = record.withdrawn_at if record.withdrawn_at is not None else int(off_chain.accepted_at.timestamp())
        events.append({"@type": "dpv:ConsentWithdrawn", "dct:date": _iso(when), "tl:onChain": _tx(withdrawn)})
        status = "dpv:ConsentWithdrawn"
    elif record.expiry <= int(now.timestamp()):
        status = "dpv:ConsentExpired"
    else:
        status = "dpv:ConsentGiven"

    return {
        "@context": CONTEXT,
        "@id": f"urn:trustledger:consent:{deployment.chain_id}:{consent_id}",
        "@type": "dpv:ConsentRecord",
        "dct:conformsTo": [{"@id": SCHEMA}, "ISO/IEC TS 27560:2023"],
        "dct:identifier": consent_id,
        "dct:created": _iso(record.granted_at),
        "dpv:hasDataSubject": {"@id": pkh_did(deployment.chain_id, record.subject), "@type": "dpv:DataSubject"},
        "dpv:hasDataController": {"@id": ethr_did(deployment.chain_id, record.grantee), "@type": "dpv:DataController"},
        "dpv:hasPurpose": {"@id": purpose} if purpose else {"tl:purposeHash": record.purpose},
        "dpv:hasPersonalData": [
            {"@id": DATA_CATEGORIES[name].dpv_term, "tl:category": name} for name in categories or ()
        ],
        "dpv:hasLegalBasis": {"@id": "dpv:Consent"},
        "dpv:hasConsentStatus": {"@id": status},
        "dpv:hasDuration": {"@type": "dpv:UntilTimeDuration", "dct:valid": _iso(record.expiry)},
        "dpv:hasWithdrawalMethod": f"{base_url.rstrip('/')}/v1/consents/{consent_id}/withdrawal",
        "dct:hasPart": events,
        "tl:compensation": {
            "tl:token": offer.token if offer else None,
            "tl:amount": str(record.compensation_paid),
            "tl:offerPeriod": str(record.period),
        },
        "tl:onChain": {
            "tl:chainId": deployment.chain_id,
            "tl:contract": deployment.registry,
            "tl:offerId": record.offer_id,
            "tl:status": record.status,
            "tl:grantTransaction": _tx(granted),
            "tl:withdrawalTransaction": _tx(withdrawn),
        },
    }
