"""GET /v1/consents/{id}/receipt: an ISO/IEC TS 27560 record in DPV terms, tied to the chain."""

from sqlmodel import Session, select

from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from tests.consent.conftest import PURPOSE
from tests.factories import DAY


def test_receipt_follows_the_consent_from_pending_to_withdrawn(world):
    acme, address = world.advertiser()
    offer = world.publish_offer(acme)
    consumer = world.consumer("frank")
    expiry = world.chain_now() + 30 * DAY
    consent_id = consumer.grant(offer, expiry)["consent_id"]
    pending = world.client.get(f"/v1/consents/{consent_id}/receipt")
    assert (pending.status_code, pending.json()["error"]["code"]) == (404, "consent_pending")
    world.settle()

    receipt = world.client.get(f"/v1/consents/{consent_id}/receipt").json()
    with Session(engine_for(world.settings.database_url)) as session:
        relay = session.exec(select(OutboxTransaction).where(OutboxTransaction.kind == "ConsentRegistry.grant")).one()
    chain_id = world.w3.eth.chain_id
    assert receipt["@type"] == "dpv:ConsentRecord" and "ISO/IEC TS 27560:2023" in receipt["dct:conformsTo"]
    assert receipt["dct:identifier"] == consent_id
    assert receipt["dpv:hasDataSubject"]["@id"] == f"did:pkh:eip155:{chain_id}:{consumer.pairwise(address).address}"
    assert receipt["dpv:hasDataController"]["@id"] == f"did:ethr:{hex(chain_id)}:{address}"
    assert receipt["dpv:hasPurpose"] == {"@id": PURPOSE}
    assert [item["@id"] for item in receipt["dpv:hasPersonalData"]] == ["pd:AgeRange", "pd:Country", "pd:Interest"]
    assert receipt["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
    grant_tx = receipt["tl:onChain"]["tl:grantTransaction"]
    assert grant_tx["tl:transaction"] == relay.tx_hash and grant_tx["tl:block"] == relay.block_number
    assert receipt["tl:compensation"]["tl:amount"] == offer["compensation"]
    assert consumer.wallet.address.lower()[2:] not in str(receipt).lower(), "no wallet on a receipt"

    consumer.withdraw(consent_id, address)
    accepted = world.client.get(f"/v1/consents/{consent_id}/receipt").json()
    assert accepted["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentWithdrawn"}
    assert accepted["dct:hasPart"][1]["tl:onChain"] is None, "withdrawn off chain first"
    world.settle()
    mined = world.client.get(f"/v1/consents/{consent_id}/receipt").json()
    assert mined["tl:onChain"]["tl:status"] == "withdrawn"
    assert mined["dct:hasPart"][1]["tl:onChain"]["tl:transaction"].startswith("0x")

    unknown = world.client.get("/v1/consents/0x" + "ab" * 32 + "/receipt")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "consent_unknown")
